"""The download centre's pages: ``public`` (Downloads, release notes, feeds, the downloads
themselves) and ``manage`` (release managers and agents: releases, "fixed in", organizations)."""
