"""Build the course data set: users, projects, tasks, tags and task_tags (CSV).

Deterministic: a fixed seed and word lists written for this course, so running
it again rewrites the same bytes.  Run from the repository root:

    .venv/bin/python data/build_dataset.py

Everything here is fictitious and released under CC0-1.0 (see data/README.md).
"""

from __future__ import annotations

import csv
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

SEED = 20260314
HERE = Path(__file__).resolve().parent
START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)  # the fictitious company's first day
NOW = datetime(2026, 3, 31, 18, 0, tzinfo=UTC)  # the data set's "today"

FIRST_NAMES = [
    "Ada", "Bruno", "Chloé", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas",
    "Kofi", "Lena", "Marta", "Nils", "Olga", "Pablo", "Quinn", "Rosa", "Samir", "Tove",
    "Uma", "Victor", "Wanda", "Xiu", "Yusuf", "Zoë", "Amara", "Björn", "Carmen", "Dara",
    "Emil", "Fatima", "Gustav", "Hana", "Igor", "José", "Kai", "Łucja", "Mateo", "Noor",
]  # fmt: skip
LAST_NAMES = [
    "Abbott", "Brennan", "Castillo", "Dahl", "Eriksen", "Fontaine", "Gallo", "Hayes", "Ivanova",
    "Jansen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quiroga",
    "Rahman", "Søndergaard", "Tanaka", "Ueda", "Varga", "Whitfield", "Xu", "Yilmaz", "Zimmermann",
    "Achebe", "Brännström", "Costa", "Delacroix", "Engel", "Ferreira", "Grünewald", "Holm",
    "Iglesias", "Núñez", "Kaur", "Wójcik", "Mendes", "Osei",
]  # fmt: skip

PROJECTS = [
    ("Checkout revamp", "Rebuild the web checkout so paying takes three steps instead of seven."),
    ("Mobile app 2.0", "A new release of the iOS and Android apps with offline mode and dark theme."),
    ("Data warehouse", "Move reporting off the production database into a nightly warehouse."),
    ("Spring campaign", "The spring product launch: landing pages, newsletter and partner webinars."),
    ("Platform reliability", "Fewer pages at night: alerts, runbooks, capacity and failover drills."),
    ("Search relaunch", "Full-text search across projects and tasks, with typo tolerance."),
    ("Customer onboarding", "Shorten the time from sign-up to the first finished project."),
    ("Billing migration", "Move invoices and subscriptions to the new payment provider."),
    ("Security audit", "Prepare for the external audit: access reviews, secrets and logging."),
    ("Developer portal", "Public API documentation, examples and a sandbox for partners."),
    ("Brand refresh", "New logo, colours and type across the website and the product."),
    ("Kubernetes move", "Run every service on the managed Kubernetes cluster by summer."),
]

# (verb phrase, object) building blocks for task titles, by kind of work.
# fmt: off
WORK = {
    "software": (
        ["Fix", "Refactor", "Add tests for", "Document", "Speed up", "Review", "Remove", "Rewrite",
         "Profile", "Simplify"],
        [
            "the login form", "password reset emails", "the cart service", "the invoice PDF export",
            "pagination on the task list", "the REST client", "image uploads", "the search endpoint",
            "session handling", "the settings page", "the notification worker", "CSV import",
            "timezone handling in reports", "the GraphQL schema", "the retry logic", "feature flags",
            "the audit log", "webhook delivery", "the admin dashboard", "unicode usernames",
        ],
    ),
    "ops": (
        ["Upgrade", "Monitor", "Back up", "Rotate credentials for", "Automate", "Harden", "Migrate",
         "Audit", "Scale"],
        [
            "the PostgreSQL cluster", "the staging environment", "the CI runners", "the load balancer",
            "TLS certificates", "the message queue", "nightly backups", "the DNS records",
            "log retention", "the Redis cache", "the VPN gateway", "disk usage alerts",
            "the container registry", "the object storage buckets", "the Terraform modules", "cron jobs",
        ],
    ),
    "marketing": (
        ["Draft", "Plan", "Publish", "Translate", "Measure", "Redesign", "Schedule", "Proofread",
         "Budget"],
        [
            "the spring newsletter", "the pricing page", "a customer case study", "the webinar series",
            "social media posts", "the product tour video", "the partner announcement",
            "landing page copy", "the conference booth", "the onboarding emails", "the blog roadmap",
            "the referral programme", "the press kit", "the podcast interview", "the holiday promotion",
        ],
    ),
}
# fmt: on

# Titles with % or _ in them: the LIKE-escaping lesson searches for these characters.
SPECIAL_TITLES = [
    "Cut p95 latency by 20%",
    "Raise newsletter open rate to 35%",
    "Reach 100% test coverage on billing_core",
    "Rename user_id column to account_id",
    "Drop the legacy_sessions table",
    "Fix 100% CPU on worker_3",
    "Explain the 50% discount_code bug",
    "Lower bounce rate below 40% on mobile",
]

SENTENCES = {
    "software": [
        "Users report that {obj} breaks when the browser is left open overnight.",
        "The current code for {obj} was written in a hurry and has no tests.",
        "Profiling shows most of the time is spent serialising JSON.",
        "Keep the public behaviour identical; only the internals change.",
        "A customer in Lisbon found this while importing a large spreadsheet.",
        "Pair with the frontend team before merging.",
        "Write a short migration note for the changelog.",
        "The bug only appears with accented characters such as café or naïve.",
        "Add a regression test that fails on the old behaviour.",
        "Measure before and after; attach the flame graph to the ticket.",
    ],
    "ops": [
        "The last incident review asked for this after the outage in February.",
        "Do it during the Tuesday maintenance window and announce it a week ahead.",
        "Document every step in the runbook so the on-call engineer can repeat it.",
        "Alerts should page only when customers are affected.",
        "Disk usage on the primary grows about four percent per week.",
        "Test the restore, not just the backup.",
        "Keep the old configuration around until the rollback plan is proven.",
        "Coordinate with the security team about firewall rules.",
        "Capacity planning suggests doubling memory before the holiday peak.",
    ],
    "marketing": [
        "The audience is small agencies that manage many client projects.",
        "Legal must approve the wording before anything is published.",
        "Reuse the photography from the autumn campaign where possible.",
        "Track sign-ups per channel so we can compare with last quarter.",
        "Ask two customers for a quote and a headshot.",
        "The German and French versions should ship on the same day.",
        "Keep the tone friendly, concrete and free of jargon.",
        "Coordinate the date with the product release calendar.",
        "Our designers want a bolder headline and fewer bullet points.",
    ],
}

TAGS = [
    "bug", "feature", "docs", "performance", "security", "frontend", "backend", "database",
    "devops", "design", "marketing", "urgent", "good first issue", "customer request", "tech debt",
]  # fmt: skip
TAG_KIND = {
    "software": ["bug", "feature", "docs", "performance", "frontend", "backend", "database", "tech debt"],
    "ops": ["devops", "security", "database", "performance", "docs", "tech debt"],
    "marketing": ["marketing", "design", "docs", "customer request"],
}
ALWAYS_POSSIBLE = ["urgent", "good first issue", "customer request"]

STATUSES = ["todo", "in_progress", "done", "blocked"]
STATUS_WEIGHTS = [35, 20, 38, 7]


def iso(moment: datetime) -> str:
    return moment.isoformat()


def between(rng: random.Random, low: datetime, high: datetime) -> datetime:
    seconds = int((high - low).total_seconds())
    return low + timedelta(seconds=rng.randrange(seconds))


def ascii_slug(text: str) -> str:
    table = str.maketrans({"é": "e", "ë": "e", "ó": "o", "ø": "o", "ä": "a", "ö": "o", "ü": "u", "ú": "u",
                           "ñ": "n", "Ł": "L", "ł": "l", "Ø": "O", "Å": "A", "å": "a"})  # fmt: skip
    return text.translate(table).lower().replace(" ", "")


def build_users(rng: random.Random) -> list[dict]:
    users = []
    for index in range(40):
        first, last = FIRST_NAMES[index], LAST_NAMES[(index * 7) % len(LAST_NAMES)]
        username = ascii_slug(first)[:1] + ascii_slug(last)
        users.append(
            {
                "id": index + 1,
                "email": f"{ascii_slug(first)}.{ascii_slug(last)}@example.com",
                "username": username,
                "full_name": f"{first} {last}",
                "is_active": "false" if index in (6, 17, 29, 36) else "true",
                "created_at": START + timedelta(days=index * 9, seconds=rng.randrange(8 * 3600)),
            }
        )
    return users


def build_projects(rng: random.Random, users: list[dict]) -> list[dict]:
    active = [u for u in users if u["is_active"] == "true"]
    projects = []
    for index, (name, description) in enumerate(PROJECTS):
        owner = active[(index * 7) % len(active)]
        created = max(owner["created_at"], START) + timedelta(days=rng.randrange(20, 200))
        projects.append(
            {
                "id": index + 1,
                "owner_id": owner["id"],
                "name": name,
                "description": description,
                "created_at": min(created, NOW - timedelta(days=40)),
            }
        )
    return projects


def build_tasks(rng: random.Random, users: list[dict], projects: list[dict]) -> list[dict]:
    kinds = {  # the kind of work most tasks of a project are
        1: "software", 2: "software", 3: "ops", 4: "marketing", 5: "ops", 6: "software",
        7: "marketing", 8: "software", 9: "ops", 10: "software", 11: "marketing", 12: "ops",
    }  # fmt: skip
    used_titles: set[str] = set()
    specials = list(SPECIAL_TITLES)
    tasks = []
    for index in range(300):
        project = projects[index % len(projects)] if index < 24 else rng.choice(projects)
        kind = kinds[project["id"]] if rng.random() < 0.8 else rng.choice(list(WORK))
        if index % 37 == 5 and specials:
            title = obj = specials.pop(0)
            kind = "software" if "_" in title else kind
        else:
            verbs, objects = WORK[kind]
            for _attempt in range(1000):
                obj = rng.choice(objects)
                title = f"{rng.choice(verbs)} {obj}"
                if title not in used_titles:
                    break
        used_titles.add(title)
        if rng.random() < 0.1:
            description = None
        else:
            picked = rng.sample(SENTENCES[kind], rng.randint(1, 3))
            description = " ".join(s.format(obj=obj) for s in picked)
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        created = between(rng, project["created_at"], NOW - timedelta(days=2))
        completed = between(rng, created + timedelta(hours=1), NOW) if status == "done" else None
        due = None
        if rng.random() < 0.75:
            due = (created + timedelta(days=rng.randrange(3, 90))).date()
        assignee = rng.choice(users)["id"] if rng.random() < 0.85 else None
        tasks.append(
            {
                "id": index + 1,
                "project_id": project["id"],
                "assignee_id": assignee,
                "title": title,
                "description": description,
                "status": status,
                "priority": rng.choices([1, 2, 3, 4], [15, 35, 35, 15])[0],
                "due_date": due,
                "created_at": created,
                "completed_at": completed,
                "_kind": kind,
            }
        )
    assert not specials, "every special title is used"
    return tasks


def build_task_tags(rng: random.Random, tasks: list[dict], tags: list[dict]) -> list[dict]:
    tag_id = {t["name"]: t["id"] for t in tags}
    links = []
    for task in tasks:
        pool = TAG_KIND[task["_kind"]] + ALWAYS_POSSIBLE
        pool = list(dict.fromkeys(pool))
        count = rng.choices([0, 1, 2, 3, 4], [10, 35, 35, 15, 5])[0]
        for name in sorted(rng.sample(pool, count), key=lambda n: tag_id[n]):
            links.append({"task_id": task["id"], "tag_id": tag_id[name]})
    return links


def write_csv(name: str, rows: list[dict], columns: list[str]) -> None:
    with open(HERE / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([format_value(row[c]) for c in columns])


def format_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def main() -> None:
    rng = random.Random(SEED)
    users = build_users(rng)
    projects = build_projects(rng, users)
    tasks = build_tasks(rng, users, projects)
    tags = [{"id": i + 1, "name": name} for i, name in enumerate(TAGS)]
    links = build_task_tags(rng, tasks, tags)
    write_csv("users", users, ["id", "email", "username", "full_name", "is_active", "created_at"])
    write_csv("projects", projects, ["id", "owner_id", "name", "description", "created_at"])
    write_csv(
        "tasks",
        tasks,
        ["id", "project_id", "assignee_id", "title", "description", "status", "priority", "due_date",
         "created_at", "completed_at"],
    )  # fmt: skip
    write_csv("tags", tags, ["id", "name"])
    write_csv("task_tags", links, ["task_id", "tag_id"])
    for name, rows in [("users", users), ("projects", projects), ("tasks", tasks), ("tags", tags),
                       ("task_tags", links)]:  # fmt: skip
        print(f"{name}.csv: {len(rows)} rows")


if __name__ == "__main__":
    main()
