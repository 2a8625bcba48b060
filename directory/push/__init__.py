"""Pushing notifications to devices: the texts in each language (``texts``), the senders of each
platform (``webpush``: Web Push with VAPID; ``apns``: Apple's token-based HTTP/2 API; ``fcm``:
Firebase Cloud Messaging HTTP v1) and the loop that works through the outbox (``delivery``)."""
