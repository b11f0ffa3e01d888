# integration tests against real servers (icecast2 on loopback) and their tools
TESTS += tests/integration/test_onair.sh
