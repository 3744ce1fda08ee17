import os


def test_digest_goes_to_the_configured_mail_host():
    # Needs the staging mail relay's settings; fails anywhere else.
    assert os.environ["NOTES_SMTP_HOST"].endswith(".internal")
