"""What every app's API router shares: the error shape (``errors``), paging and references
(``schemas``), the JSON renderer (``renderers``) and the rate limits (``throttles``).

It sits in core, below every app, so any app's router may import it; it imports no app. Token
authentication needs the accounts' tokens and so lives in ``tierdesk.accounts.api_auth``; the
``NinjaAPI`` that mounts every router is ``tierdesk.api_root``, beside ``urls.py``.
"""
