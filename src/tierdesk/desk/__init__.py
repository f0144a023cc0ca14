"""The agents' web pages: queues, the ticket page and its actions, new tickets by phone."""
