"""Validation of the help-center articles before they are indexed for the support assistant."""

REQUIRED = ("id", "locale", "title", "body", "reviewed_at")


def validate(article: dict) -> list[str]:
    """Problems that keep an article out of the index: missing fields, unknown locale, stale review."""
    problems = [f"missing {field}" for field in REQUIRED if not article.get(field)]
    if article.get("locale") not in ("en", "de"):
        problems.append(f"locale {article.get('locale')!r} is not served")
    return problems
