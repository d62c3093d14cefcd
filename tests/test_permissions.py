"""Every non-public route declares a permission; anonymous users are sent to log in; scope holds."""

import pytest

from registry.core.permissions import Permission, can, is_public
from tests import factories


def _protected_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if not is_public(view):
            yield rule, view


def test_every_route_is_public_or_declares_a_permission(app):
    missing = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and not is_public(app.view_functions[rule.endpoint])
        and not hasattr(app.view_functions[rule.endpoint], "permission")
    ]
    assert missing == []


def _url(rule):
    values = {}
    for arg in rule.arguments:
        converter = rule._converters[arg].__class__.__name__
        values[arg] = 1 if converter == "IntegerConverter" else "990000"
    return rule.build(values, append_unknown=False)[1]


def test_anonymous_user_is_redirected_from_every_protected_route(app, client):
    rules = list(_protected_rules(app))
    for rule, _view in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_url(rule), method=method)
            if method == "POST" and response.status_code == 400:
                continue  # refused earlier still: no CSRF token
            assert response.status_code == 302, (rule.rule, method, response.status_code)
            assert "/login" in response.headers["Location"], rule.rule


@pytest.fixture
def tree():
    province = factories.jurisdiction("910000", "province", name="甲省")
    city = factories.jurisdiction("910100", "city", parent=province, name="甲市")
    other_city = factories.jurisdiction("910200", "city", parent=province, name="乙市")
    dept = factories.department(city, "甲市生态环境局")
    other_dept = factories.department(city, "甲市水利局", sector="水利")
    return province, city, other_city, dept, other_dept


def test_office_edits_only_its_own_jurisdiction_and_reads_below(tree):
    province, city, other_city, dept, _ = tree
    province_office = factories.user("p", "office_admin", province)
    city_office = factories.user("c", "office_admin", city)
    assert can(province_office, Permission.LIST_EDIT, province)
    assert can(province_office, Permission.LIST_READ, city)
    assert not can(province_office, Permission.LIST_EDIT, city)  # §5: the upper level does not interfere
    assert not can(province_office, Permission.LIST_EDIT, dept)
    assert can(city_office, Permission.LIST_EDIT, city)
    assert not can(city_office, Permission.LIST_READ, province)
    assert not can(city_office, Permission.LIST_READ, other_city)


def test_department_users_are_held_to_their_department(tree):
    _, city, _, dept, other_dept = tree
    head = factories.user("h", "dept_head", city, dept)
    editor = factories.user("e", "dept_editor", city, dept)
    assert can(head, Permission.REPORT_SUBMIT, dept)
    assert not can(head, Permission.REPORT_SUBMIT, other_dept)
    assert not can(editor, Permission.REPORT_SUBMIT, dept)
    assert can(editor, Permission.REPORT_EDIT, dept)
    assert not can(head, Permission.LIST_EDIT, city)
    assert not can(head, Permission.LIST_READ, city)


def test_anonymous_can_do_nothing_protected(tree):
    from flask_login import AnonymousUserMixin

    assert not can(AnonymousUserMixin(), Permission.LIST_READ, tree[0])
