"""Messaging-app channels (Telegram, Slack, Facebook Messenger, Twilio SMS and WhatsApp): Rasa's
connectors, subclassed so that every webhook is verified before anything is processed or stored,
duplicate deliveries are answered once, and replies are shaped for each app."""
