"""Use cases, with the ports replaced by specced mocks (make_mock_uow)."""
