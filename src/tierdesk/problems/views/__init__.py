"""The problems app's pages: the desk's (problems, incidents, RCAs, changes), the portal's
(status, reports, changes to approve) and the public incident pages."""
