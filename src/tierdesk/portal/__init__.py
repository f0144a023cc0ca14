"""The customers' and partners' pages, and the public site: support policy and news."""
