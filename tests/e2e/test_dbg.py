import pytest
from tests.e2e.driver import *
from tests.e2e.conftest import *
pytestmark = pytest.mark.browser
def test_dbg(field_app, server, page, shots):
    open_app(page, field_app.url)
    use_english(page)
    n = by_id(page, "login-submit").first
    print(n.bounding_box(), n.evaluate("e => e.outerHTML"))
    print("server", value(page, "login-server"))
    shots.take("before")
    type_into(page, "login-username", "mediator.baijia")
    type_into(page, "login-password", DEMO_PASSWORD)
    n = by_id(page, "login-submit").first
    print(n.bounding_box())
    n.click()
    page.wait_for_timeout(3000)
    shots.take("after")
    print(page.evaluate("() => Array.from(document.querySelectorAll('[flt-semantics-identifier]')).map(i => i.getAttribute('flt-semantics-identifier'))"))
