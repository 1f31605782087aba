"""Custom actions of the breast-calcifications assistant, served by the rasa_sdk action server."""
