"""The console's pages, a Flask blueprint per area: signing in and out (auth), the conversation
list and transcripts with what staff add to them (conversations), flagged messages and exports
(exports), the dashboard and the Chart.js it draws with (dashboard, vendor), staff accounts and
the audit log (admin)."""

from __future__ import annotations

from typing import List

from flask import Blueprint

from review_console.views import admin, auth, conversations, dashboard, exports, vendor

BLUEPRINTS: List[Blueprint] = [auth.bp, conversations.bp, exports.bp, dashboard.bp, vendor.bp, admin.bp]
