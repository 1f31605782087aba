"""The demo site that embeds the widget, and the widget's own files."""
