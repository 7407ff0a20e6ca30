"""Handshake: one warehouse and one set of KPIs for sales and marketing."""
