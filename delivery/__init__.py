"""The delivery domain: orders, shipments, carriers and the shop's policies.

It knows nothing of Rasa, Telegram or HTTP; channels and actions depend on it, never the reverse.
"""
