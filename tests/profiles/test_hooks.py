"""Profiles stand below plans and creators: their pages show what the packages above register
(sections of the profile page, the directory's measured figures), and work without them."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.exceptions import NotFound

from affiliate.creators.attribution import codes
from affiliate.creators.centre.profile_pages import (
    MeasuredFigures,
    code_panel_section,
    videos_section,
)
from affiliate.plans.showcase import profile_section
from affiliate.profiles import hooks, queries
from affiliate.profiles.exceptions import NotACreator, ProfileError
from affiliate.profiles.loaders import get_profile_or_404
from core.exceptions import DomainError
from tests.creators.factories import make_profile


def test_the_app_shows_the_showcase_videos_and_code_panel_and_measures_the_directory(app_ctx):
    sections = hooks.profile_sections()
    assert {profile_section, videos_section, code_panel_section} <= set(sections)
    assert len(sections) == len(set(sections))  # registered once each
    assert isinstance(hooks.directory_figures(), MeasuredFigures)


def test_an_app_without_the_packages_above_has_no_sections_and_no_figures():
    bare = Flask(__name__)
    with bare.app_context():
        assert hooks.profile_sections() == []
        assert hooks.directory_figures() is None
        hooks.add_profile_section(bare, profile_section)
        hooks.add_profile_section(bare, profile_section)
        assert hooks.profile_sections() == [profile_section]


def test_the_directory_without_figures_sorts_by_followers_and_ignores_gmv(app_ctx):
    make_profile(handle="few", follower_count=10)
    make_profile(handle="many", follower_count=90)
    query = queries.DirectoryQuery(sort=queries.DirectorySort.GMV, min_gmv=10_000)
    page = queries.search_directory(query)
    assert [p.handle for p in page.items] == ["many", "few"]
    assert not page.measuring
    assert page.figures(page.items[0].user_id) == queries.Measured()
    assert queries.search_directory(query, MeasuredFigures()).measuring


def test_conversion_is_shown_as_a_percentage_or_a_dash():
    assert queries.Measured(orders=2, clicks=100).conversion_label == "2.0%"
    assert queries.Measured(orders=1, clicks=3).conversion_label == "33.3%"
    assert queries.Measured().conversion_label == "—"


def test_a_profile_loads_by_its_handle_in_any_case(app_ctx):
    profile = make_profile(handle="cleo")
    assert get_profile_or_404("@CLEO") is profile
    with pytest.raises(NotFound):
        get_profile_or_404("nobody_here")


def test_one_not_a_creator_for_plans_and_codes():
    assert codes.NotACreator is NotACreator
    assert issubclass(NotACreator, ProfileError)
    assert issubclass(NotACreator, DomainError)
    assert NotACreator("x").status_code == 400
