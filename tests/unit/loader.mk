# test-only plugin modules for tests/unit/test_loader (owned by the loader work)
