"""The named functions a package passes for an unexported function's parameter (funcvalues.py) and
what a call's notes fix of a callee's tests (nonnil.py)."""
from __future__ import annotations

from leaklint_gopy.frontends.go.frontend import GoFrontend
from leaklint_gopy.frontends.go.funcvalues import FunctionValues
from leaklint_gopy.ir import Call, Span
from leaklint_gopy.nonnil import NilTests, marked

SOURCE = b"""package rest

// callCodec decodes the response
func (api *Client) callCodec(opts *Opts, response any, decode decodeFn) (*http.Response, error) {
	return nil, nil
}

func (api *Client) CallJSON(opts *Opts, response any) (*http.Response, error) {
	return api.callCodec(opts, response, DecodeJSON)
}

func (api *Client) CallXML(opts *Opts, response any) (*http.Response, error) {
	return api.callCodec(opts, f(")"), DecodeXML)
}
"""
FUNCTIONS = {"DecodeJSON": [], "DecodeXML": []}


def test_every_call_passing_a_package_function_binds_the_parameter() -> None:
    values = FunctionValues("example.com/rest", [SOURCE], FUNCTIONS)
    assert values.passed("callCodec", 2) == ("example.com/rest.DecodeJSON", "example.com/rest.DecodeXML")


def test_a_value_that_is_not_a_package_function_leaves_the_parameter_unknown() -> None:
    values = FunctionValues("example.com/rest", [SOURCE], FUNCTIONS)
    assert values.passed("callCodec", 1) == ()  # response: a parameter, a call


def test_the_function_used_as_a_value_leaves_it_unknown() -> None:
    extra = b"package rest\n\nvar hook = (*Client).callCodec\n"
    values = FunctionValues("example.com/rest", [SOURCE, extra], FUNCTIONS)
    assert values.passed("callCodec", 2) == ()


def test_an_exported_function_is_never_bound() -> None:
    source = SOURCE.replace(b"callCodec", b"CallCodec")
    assert FunctionValues("example.com/rest", [source], FUNCTIONS).passed("CallCodec", 2) == ()


def test_a_callers_assumptions_reach_its_callee_as_notes() -> None:
    span = Span("a.go", 1, 1, 1, 1)
    call = Call(span, "example.com/rest.Client.callCodec", "callCodec", "api", ("opts", "response", "DecodeJSON"))
    noted = marked(call, {"response": True, "opts.NoResponse": False})
    assert dict(noted.kwargs) == {"nonnil": "1", "fields": "0~ NoResponse=false"}


HANDING = b"""package app

import "net/http"

type Opts struct{ Quiet bool }

func inner(c *http.Client, u string, opts *Opts) (*http.Response, error) {
	resp, err := c.Get(u)
	if err != nil {
		return nil, err
	}
	if opts.Quiet {
		return resp, nil
	}
	resp.Body.Close()
	return nil, nil
}

func outer(c *http.Client, u string, opts *Opts) (*http.Response, error) {
	return inner(c, u, opts)
}
"""


def test_a_cached_tested_answer_reads_again_every_body_it_came_from() -> None:
    (lowered,) = GoFrontend().lower_package("example.com/app", [("app.go", HANDING)], {}, frozenset({b"Get", b"Close"}))
    functions = {function.qualname: function for function in lowered.functions}
    read: list[str] = []
    tests = NilTests(lambda qualname: read.append(qualname) or functions.get(qualname), functions.__contains__)
    assert tests.tested("example.com/app.outer") == {(2, ".Quiet")}  # handed to inner, which tests it
    read.clear()
    assert tests.tested("example.com/app.outer") == {(2, ".Quiet")}
    # (the lookup records a body the analysis under way relies on: a cached answer relies on both)
    assert sorted(read) == ["example.com/app.inner", "example.com/app.outer"]
