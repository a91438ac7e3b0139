"""Widgets only: they show the browser's and the review's state and call their models."""
