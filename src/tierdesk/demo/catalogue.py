"""The invented cast of the demo: organizations, people, products and what they write about.

Every name here is made up; none comes from the source documents.
"""

from __future__ import annotations

VENDOR = "Larkspur Software"
VENDOR_DOMAIN = "larkspur.example"

PRODUCTS = [
    ("larkspur-device-manager", "Larkspur Device Manager"),
    ("larkspur-mail-server", "Larkspur Mail Server"),
    ("larkspur-contact-centre", "Larkspur Contact Centre"),
    ("larkspur-hosting", "Larkspur Managed Hosting"),
]

# (slug, name, support level); the first team at each level takes new work at that level.
VENDOR_TEAMS = [
    ("service-desk", "Service desk", 1),
    ("technical-support", "Technical support", 2),
    ("solutions-research", "Solutions research", 3),
    ("product-development", "Product development", 3),
    ("billing", "Billing", 1),
    ("server-administration", "Server administration", 2),
    ("monitoring-noc", "Monitoring/NOC", 1),
]

# (username, display name, level, team slugs); the manager and admin are added separately.
VENDOR_AGENTS = [
    ("maya.l1", "Maya Okafor", 1, ["service-desk"]),
    ("omar.l1", "Omar Lindqvist", 1, ["service-desk", "monitoring-noc"]),
    ("ines.l1", "Ines Varga", 1, ["billing", "service-desk"]),
    ("dev.l2", "Devraj Menon", 2, ["technical-support"]),
    ("sana.l2", "Sana Whitfield", 2, ["technical-support", "server-administration"]),
    ("tom.l3", "Tomasz Brandt", 3, ["solutions-research"]),
    ("kai.l3", "Kai Moreau", 3, ["product-development"]),
]

# The management chain (P10) names a person per step: step 1 is the team lead of the ticket's
# team (a role); the others are these people (username, display name, step position).
CHAIN_PEOPLE = [
    ("pm.nadia", "Nadia Ferreira", 2),  # senior product manager, +1 h
    ("vp.arjun", "Arjun Rao", 3),  # VP of support, +4 h
    ("cto.helen", "Helen Strand", 4),  # CTO, +1 business day
]

# partner name, e-mail domain, its desk agent (username, display name), its customers
PARTNERS = [
    (
        "Tidewater IT Partners", "tidewater.example", ("lee.tidewater", "Lee Chandra"),
        [("Harbor Point Clinics", "harborpoint.example"),
         ("Saltmarsh Brewing", "saltmarsh.example")],
    ),
    (
        "Copperline Solutions", "copperline.example", ("ana.copperline", "Ana Quintero"),
        [("Granite Ridge Schools", "graniteridge.example"),
         ("Fennel & Finch Legal", "fennelfinch.example")],
    ),
]  # fmt: skip

DIRECT_CUSTOMERS = [
    ("Orchard Lane Insurance", "orchardlane.example"),
    ("Bright Kettle Foods", "brightkettle.example"),
    ("Juniper Health Network", "juniperhealth.example"),
    ("Silverpine Credit Union", "silverpine.example"),
    ("Maple Court Hotels", "maplecourt.example"),
    ("Riverstone Media", "riverstone.example"),
]

# Two contacts per customer: first names, surnames are drawn in turn.
CONTACT_FIRST_NAMES = [
    "Pat", "Robin", "Alex", "Jordan", "Sam", "Morgan", "Casey", "Riley", "Jamie", "Avery",
    "Quinn", "Drew", "Harper", "Rowan", "Emery", "Sasha", "Noor", "Tariq", "Lena", "Yusuf",
]  # fmt: skip
CONTACT_SURNAMES = [
    "Adeyemi", "Bergström", "Castillo", "Dufresne", "Eriksen", "Fontaine", "Galloway",
    "Haddad", "Iwasaki", "Jovanovic", "Kowalczyk", "Laurent", "Mbeki", "Nakamura", "Oduya",
    "Petrov", "Quigley", "Rasmussen", "Sorensen", "Takahashi",
]  # fmt: skip

# category slug -> subjects customers write
SUBJECTS = {
    "enrollment": [
        "New phones fail to enroll with 'profile installation failed'",
        "Enrollment e-mail never arrives for field staff",
        "Tablet stuck on 'waiting for management server' during enrollment",
    ],
    "configuration-and-access": [
        "Users cannot sign in after password policy change",
        "VPN profile not pushed to Android devices",
        "Wi-Fi certificate expired on managed laptops",
    ],
    "device-features": [
        "Camera disabled on devices that should allow it",
        "Remote lock does not reach a lost phone",
    ],
    "mobile-apps": [
        "Company app crashes at start on the latest OS update",
        "App catalogue shows no apps for the sales group",
    ],
    "other": ["Question about device limits per user", "Where do I find last month's invoice?"],
    "device-operation-pending": [
        "Wipe command pending for three days",
        "Policy update pending on 40 devices",
    ],
    "restrictions-not-applied": [
        "USB restriction not applied to kiosk devices",
        "Screen capture still possible despite restriction",
    ],
    "how-to": [
        "How do I export the device inventory?",
        "How do I delegate admin rights for one site?",
        "How do I schedule an OS update window?",
    ],
    "billing": [
        "Invoice charged twice this month",
        "Please change our billing cycle to yearly",
        "Refund for cancelled seats",
    ],
    "order-setup": ["New order for 25 seats still pending verification"],
    "presales": ["Does the premium plan include phone support at night?"],
    "server-administration": [
        "Mail queue growing on the primary server",
        "Disk almost full on the application server",
        "Outbound mail rejected by recipients' spam filters",
    ],
    "server-setup": ["Set up a staging server for the upgrade"],
    "monitoring-and-reboot": [
        "Alert: web server not answering on port 443",
        "Alert: load average above 20 on db-2",
    ],
    "server-management": ["Apply this month's security patches"],
    "optimization": ["Reports page takes 40 seconds to load"],
    "data-security": ["Restore yesterday's backup of the shared mailbox"],
    "server-security": ["Brute-force attempts on the admin login"],
    "migration": ["Move our mail domain to the new cluster"],
}

BODIES = [
    "Since this morning {what}. We have tried restarting and it did not help. "
    "About {count} of our {total} users are affected.",
    "Hello support,\n\n{what_cap}. Could you take a look? It started after yesterday's "
    "maintenance window.\n\nThanks",
    "{what_cap}. This is blocking our team; please advise what else you need from us.",
]

AGENT_REPLIES = [
    "Thanks for reporting this. Could you send the device model, OS version and a screenshot "
    "of the error?",
    "We are looking into it now. Meanwhile, please try signing out and in again and tell us "
    "whether the problem remains.",
    "I have reproduced the problem on our side and I am collecting the logs for our engineers.",
    "This is covered in the administrators' manual, section 'Troubleshooting'. The steps there "
    "should fix it; let us know if not.",
]

CUSTOMER_REPLIES = [
    "Here are the details: model X200, OS 17.2. Screenshot attached to our internal share.",
    "Signing out and in did not help, it still fails.",
    "Thanks, that worked for most users; two still see the error.",
]

ESCALATION_FACTS = {
    "system_details": "Server 6.4.2 on Debian 12; devices on OS 17.2 and Android 15.",
    "steps_tried": "Restarted the service, re-pushed the profile, checked the certificates.",
    "logs": "server.log excerpt from 09:12 to 09:30 attached to the ticket.",
    "screenshots": "Screenshot of the error dialog on an affected device.",
}

RESOLUTIONS = [
    "A configuration value was wrong after the upgrade; we corrected it and confirmed with you.",
    "Fixed by the hotfix 6.4.3, installed on your server today.",
    "The certificate was renewed and re-deployed to all devices.",
    "Answered: the steps are in the knowledge base article we linked.",
]
