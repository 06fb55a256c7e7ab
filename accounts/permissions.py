"""Rights that several apps check the same way."""


def may_reveal_phones(user) -> bool:
    """An office account holding ``accounts.reveal_phone``: it may see residents' full phone
    numbers (revealed one by one on the desk, typed into free text, or asked for in a ledger);
    everyone else sees them masked (SECURITY.md 8)."""
    return bool(
        user is not None
        and user.is_authenticated
        and getattr(user, "is_office", False)
        and user.has_perm("accounts.reveal_phone")
    )
