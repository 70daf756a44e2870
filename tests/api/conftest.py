"""Fixtures reused as they are from the campaigns and awards tests: the national campaign, people of the test
tree, plans; a province council with a nomination to put on a session's agenda."""

from tests.awards.conftest import forms, household, nation, officer, province_council, root  # noqa: F401
from tests.campaigns.conftest import campaign, make_plan, people  # noqa: F401
