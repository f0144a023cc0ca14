"""A search-quality corpus: articles of an administrators' and an applications manual, and
questions as customers write them, each with the article that answers it.

The questions were written from support tickets' way of speaking: symptoms, not the article's
title words ("nobody can get in since this morning", not "Resetting a password"). Keep them
honest: when the search misses one, improve the search, never reword the question toward the
title. ``test_quality.py`` asserts the share found in the first three results.
"""

from __future__ import annotations

# slug, title, tags, body (Markdown with headings)
# fmt: off
ARTICLES: list[tuple[str, str, list[str], str]] = [
    (
        "reset-password", "Resetting a forgotten password", ["account", "sign-in"],
        "## Ask for a reset link\nOn the sign-in page choose *Forgot password*. We mail a link "
        "valid for one hour.\n## Locked accounts\nAfter five wrong attempts an account is locked "
        "for 15 minutes. An administrator can unlock it under Users.",
    ),
    (
        "two-factor", "Setting up two-factor authentication", ["security", "mfa"],
        "## Authenticator apps\nScan the QR code with an authenticator app (TOTP) and type the "
        "six-digit code.\n## Lost phone\nUse one of your recovery codes, then set up the new "
        "phone.",
    ),
    (
        "smtp-settings", "Configuring outgoing mail (SMTP)", ["mail", "configuration"],
        "## Relay host\nSet `SMTP_HOST`, `SMTP_PORT` and credentials. Port 587 uses STARTTLS.\n"
        "## Testing\nRun `tierdesk mail test you@example.com` and check the mail log for "
        "rejected messages.",
    ),
    (
        "incoming-mail", "Receiving mail into tickets", ["mail", "imap"],
        "## Mailboxes\nAdd an IMAP mailbox or point your MTA at the LMTP port. New messages "
        "become tickets; replies thread by their references.\n## Nothing arrives\nCheck the "
        "poller's log and that the mailbox's folder is right.",
    ),
    (
        "backup", "Backing up and restoring", ["backup", "maintenance"],
        "## What to back up\nThe database and the data directory (attachments).\n## Restoring"
        "\nStop the service, restore the database dump, copy the files back and start again.",
    ),
    (
        "upgrade", "Upgrading to a new release", ["upgrade", "release"],
        "## Before you start\nRead the release notes and take a backup.\n## Steps\nInstall the "
        "new package, run `tierdesk migrate`, restart the web and worker processes.",
    ),
    (
        "disk-space", "Freeing disk space", ["disk", "maintenance"],
        "## Where the space goes\nAttachments, logs and old task rows. \n## Clean up\nRun the "
        "retention job, rotate logs and move attachments to object storage.",
    ),
    (
        "performance", "Tuning performance", ["performance"],
        "## Database\nUse PostgreSQL for more than a few agents; give it enough shared buffers."
        "\n## Workers\nRun more web workers with gunicorn; put static files behind whitenoise "
        "or nginx.\n## Slow pages\nThe queue page pages through tickets; filters use indexes.",
    ),
    (
        "ssl-certificate", "Installing a TLS certificate", ["https", "security"],
        "## Behind a proxy\nTerminate TLS in nginx or your load balancer and set "
        "`SECURE_PROXY_SSL_HEADER`.\n## Renewal\nCertificates from Let's Encrypt renew every "
        "90 days; browsers warn when one has expired.",
    ),
    (
        "license-seats", "Adding seats to your licence", ["licence", "billing"],
        "## How seats count\nEach active agent takes one seat. Deactivated agents free theirs."
        "\n## Buying more\nOrder seats from your account manager; the new key is mailed to you.",
    ),
    (
        "invoices", "Finding your invoices", ["billing"],
        "## Portal\nInvoices are under Account > Billing as PDF.\n## Wrong address\nWrite to "
        "billing to have the invoice address changed.",
    ),
    (
        "add-agent", "Adding agents and teams", ["users", "administration"],
        "## New agent\nUnder Users choose *Add agent*, pick the support level and teams.\n"
        "## Teams\nA team has a queue; its lead sees its workload.",
    ),
    (
        "roles-permissions", "Roles and permissions", ["permissions", "administration"],
        "## Roles\nAgents, managers and administrators. Contacts see their organization's "
        "tickets.\n## Access denied\nAn agent who gets *403* lacks the permission; an "
        "administrator grants it in the admin.",
    ),
    (
        "sla-plans", "Service levels and response times", ["sla"],
        "## Plans\nEach subscription has a plan with response and resolution targets in "
        "business hours.\n## Paused clocks\nWaiting for the customer pauses the clock.",
    ),
    (
        "escalation", "How escalation to level 2 works", ["escalation", "levels"],
        "## When\nLevel 1 escalates when the category's facts are gathered and the problem "
        "needs an engineer.\n## What to include\nLogs, versions and the steps to reproduce.",
    ),
    (
        "emergency", "Reporting an emergency", ["emergency", "outage"],
        "## What counts\nA production system is down or unusable.\n## How\nCall the emergency "
        "number or mark the ticket as an emergency; we call back within 30 minutes, day and "
        "night.",
    ),
    (
        "export-tickets", "Exporting tickets to CSV", ["export", "reports"],
        "## From the queue\nFilter the queue and choose *Export*; the file is CSV in UTF-8.\n"
        "## Through the API\nPage through `/api/v1/tickets` with a token.",
    ),
    (
        "api-tokens", "Creating API tokens", ["api", "integration"],
        "## Tokens\nUnder your profile create a token; it is shown once.\n## Errors\nA 401 "
        "means the token is missing, wrong or revoked.",
    ),
    (
        "webhooks", "Sending events to other systems with webhooks", ["integration", "webhooks"],
        "## Subscribing\nAn administrator adds a URL and chooses events.\n## Failures\nAfter "
        "repeated failures a webhook is disabled and the administrators are notified.",
    ),
    (
        "notifications-settings", "Choosing which notifications you get", ["notifications"],
        "## Channels\nIn-app and e-mail, per kind.\n## Quiet hours and digest\nHold mail at "
        "night, or get one digest a day.",
    ),
    (
        "attachments-size", "Attachment size limits", ["attachments"],
        "## Limits\nA message may carry up to 25 MB of files.\n## Bigger files\nShare a link "
        "from your file service instead.",
    ),
    (
        "time-zone", "Changing your time zone", ["profile"],
        "## Profile\nEach person sets a time zone; times on pages follow it.\n## Business "
        "hours\nSLA calendars keep their own zone.",
    ),
    (
        "worker-not-running", "Background jobs do not run", ["worker", "troubleshooting"],
        "## Symptoms\nMail is not sent, reminders never come, the SLA clocks do not move.\n"
        "## Check the worker\nStart `tierdesk worker` or use `tierdesk up`, which runs it.",
    ),
    (
        "database-migration-error", "A migration fails during an upgrade", ["upgrade", "database"],
        "## Read the error\nThe migration names the table. Restore the backup if the schema is "
        "half changed.\n## Ask us\nSend the full output to support.",
    ),
    (
        "printing-tickets", "Printing a ticket", ["print"],
        "## Print view\nUse the browser's print; the page hides the menus.\n## PDF\nPrint to "
        "PDF to keep a copy.",
    ),
    (
        "close-ticket", "Closing and reopening tickets", ["tickets"],
        "## Closing\nConfirm a resolution or close it yourself in the portal.\n## Reopening\n"
        "Reply within 14 days to reopen; later replies start a follow-up.",
    ),
]
# fmt: on

# question in a customer's words, the slug of the article that answers it
QUESTIONS: list[tuple[str, str]] = [
    ("I forgot my password and can't log in", "reset-password"),
    ("my account is locked after too many attempts", "reset-password"),
    ("nobody can sign in, it says wrong credentials", "reset-password"),
    ("got a new phone and the authenticator codes are gone", "two-factor"),
    ("how do I turn on 2fa for my team", "two-factor"),
    ("emails from the desk never reach our customers", "smtp-settings"),
    ("outbound mail rejected by our relay on port 587", "smtp-settings"),
    ("customer emails don't become tickets anymore", "incoming-mail"),
    ("messages sent to support@ are not showing up", "incoming-mail"),
    ("how do we recover after the server died", "backup"),
    ("what files should we copy every night", "backup"),
    ("going from version 3 to version 4, what are the steps", "upgrade"),
    ("the server ran out of space", "disk-space"),
    ("the volume is full of attachments and logs", "disk-space"),
    ("everything is really slow when 40 agents work", "performance"),
    ("the queue takes ages to load", "performance"),
    ("browser says the site is not secure", "ssl-certificate"),
    ("https warning, certificate expired", "ssl-certificate"),
    ("we hired two people and need more seats", "license-seats"),
    ("where can I download last month's bill", "invoices"),
    ("the invoice has our old address", "invoices"),
    ("how do I give a new colleague access to the queue", "add-agent"),
    ("an agent gets access denied on the reports page", "roles-permissions"),
    ("who can see our organization's tickets", "roles-permissions"),
    ("how fast do you answer on the gold plan", "sla-plans"),
    ("why did the response clock stop while we waited for the customer", "sla-plans"),
    ("when does a ticket go to an engineer", "escalation"),
    ("our production system is down right now", "emergency"),
    ("everything is broken, outage, call me", "emergency"),
    ("I need the tickets in a spreadsheet", "export-tickets"),
    ("my script gets 401 from the api", "api-tokens"),
    ("how do we push ticket events to our chat tool", "webhooks"),
    ("too many mails at night from the desk", "notifications-settings"),
    ("I only want one summary mail per day", "notifications-settings"),
    ("can't upload a 60 MB log file", "attachments-size"),
    ("the times on the ticket are an hour off", "time-zone"),
    ("reminders never come and mail isn't sent", "worker-not-running"),
    ("SLA clocks are frozen and nothing happens in the background", "worker-not-running"),
    ("migrate crashed halfway with a table error", "database-migration-error"),
    ("how do I get a paper copy of a ticket", "printing-tickets"),
    ("the problem came back after we closed the ticket", "close-ticket"),
    ("how to reopen an old case", "close-ticket"),
]
