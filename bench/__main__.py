"""``python -m bench [--quick] [--in-place] [--suppliers N] …``: set Django up, then run the
benchmark (``bench.run``). ``JEMBATAN_ENV`` and ``DATABASE_URL`` choose the settings as for
``manage.py``."""

import os


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchmaking.settings")
    import django

    django.setup()

    from bench.run import main as run

    run()


if __name__ == "__main__":
    main()
