"""Deterministic demo data: carriers, pickup points, customers and orders in every state."""
