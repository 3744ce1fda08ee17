from roster.teams import join, team_size


async def test_joining_grows_the_team(session):
    await join(session, "Ada", "red")
    await join(session, "Grace", "red")
    assert await team_size(session, "red") == 2


async def test_an_empty_team_has_no_members(session):
    assert await team_size(session, "blue") == 0
