from datetime import date


def nights(arrives: date, leaves: date) -> int:
    if leaves < arrives:
        raise ValueError("a stay cannot end before it starts")
    return (leaves - arrives).days
