/* Route matching: literals, :params, 404 vs 405, and table checks at start. */
#include "unit.h"

#include "core/router.h"

static int h(struct req *r)
{
	(void)r;
	return 0;
}

static const struct route orgs[] = {
    {"GET", "/api/v1/orgs/:id", h, "orgs.read", 0},
    {"PATCH", "/api/v1/orgs/:id", h, "orgs.write", 0},
    {"GET", "/api/v1/orgs/:id/children", h, "orgs.read", 0},
    {"GET", "/api/v1/orgs/certificates/:no", h, NULL, ROUTE_PUBLIC},
    {"GET", "/api/v1/orgs/tree", h, "orgs.read", 0},
    {"GET", "/", h, NULL, ROUTE_PUBLIC},
};
static const struct module orgs_mod = {"orgs", ROUTES(orgs)};
static const struct module *const mods[] = {&orgs_mod, NULL};

static void test_params_and_literals(void **state)
{
	(void)state;
	struct router *rt = router_new(mods);
	assert_non_null(rt);
	struct route_match m;
	assert_int_equal(router_match(rt, "GET", "/api/v1/orgs/42", &m), ROUTER_FOUND);
	assert_ptr_equal(m.route, &orgs[0]);
	assert_int_equal(m.nparams, 1);
	assert_int_equal(m.name_lens[0], 2);
	assert_memory_equal(m.names[0], "id", 2);
	assert_int_equal(m.lens[0], 2);
	assert_memory_equal(m.values[0], "42", 2);

	assert_int_equal(router_match(rt, "GET", "/api/v1/orgs/7/children", &m), ROUTER_FOUND);
	assert_ptr_equal(m.route, &orgs[2]);
	/* a parameter in the middle of the path: its name ends at its segment */
	assert_int_equal(m.name_lens[0], 2);
	assert_memory_equal(m.names[0], "id", 2);
	assert_memory_equal(m.values[0], "7", 1);
	/* a literal beats a parameter, although the parameter route comes first */
	assert_int_equal(router_match(rt, "GET", "/api/v1/orgs/tree", &m), ROUTER_FOUND);
	assert_ptr_equal(m.route, &orgs[4]);
	assert_int_equal(router_match(rt, "GET", "/api/v1/orgs/certificates/81610000X", &m),
	                 ROUTER_FOUND);
	assert_ptr_equal(m.route, &orgs[3]);
	assert_memory_equal(m.values[0], "81610000X", 9);
	assert_int_equal(router_match(rt, "HEAD", "/api/v1/orgs/1", &m), ROUTER_FOUND);
	assert_int_equal(router_match(rt, "GET", "/", &m), ROUTER_FOUND);
	router_free(rt);
}

static void test_not_found_and_method(void **state)
{
	(void)state;
	struct router *rt = router_new(mods);
	struct route_match m;
	assert_int_equal(router_match(rt, "GET", "/api/v1/orgs", &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(rt, "GET", "/api/v1/orgs/1/children/x", &m),
	                 ROUTER_NOT_FOUND);
	assert_int_equal(router_match(rt, "GET", "/api/v1/orgs/1/", &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(rt, "GET", "/api/v1//orgs/1", &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(rt, "GET", "api/v1/orgs/1", &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(rt, "GET", "", &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(rt, "GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r", &m),
	                 ROUTER_NOT_FOUND);
	assert_int_equal(router_match(rt, "DELETE", "/api/v1/orgs/1", &m),
	                 ROUTER_METHOD_NOT_ALLOWED);
	assert_string_equal(m.allow, "GET, PATCH");
	assert_int_equal(router_match(rt, "POST", "/api/v1/orgs/1/children", &m),
	                 ROUTER_METHOD_NOT_ALLOWED);
	assert_string_equal(m.allow, "GET");
	router_free(rt);
}

static void test_bad_tables_are_refused(void **state)
{
	(void)state;
	static const struct route dup[] = {
	    {"GET", "/api/v1/x/:id", h, "x.read", 0},
	    {"GET", "/api/v1/x/:name", h, "x.read", 0},
	};
	static const struct route noperm[] = {{"GET", "/api/v1/x", h, NULL, 0}};
	static const struct route both[] = {{"GET", "/api/v1/x", h, "x.read", ROUTE_PUBLIC}};
	static const struct route badpath[] = {{"GET", "api/v1/x", h, NULL, ROUTE_PUBLIC}};
	static const struct module m1 = {"dup", ROUTES(dup)}, m2 = {"noperm", ROUTES(noperm)},
	                           m3 = {"both", ROUTES(both)}, m4 = {"badpath", ROUTES(badpath)};
	const struct module *const l1[] = {&m1, NULL}, *const l2[] = {&m2, NULL},
	                           *const l3[] = {&m3, NULL}, *const l4[] = {&m4, NULL};
	assert_null(router_new(l1));
	assert_null(router_new(l2));
	assert_null(router_new(l3));
	assert_null(router_new(l4));
	/* a route that needs a caller must be able to look them up */
	static const struct route nodb[] = {
	    {"GET", "/api/v1/x", h, NULL, ROUTE_SELF | ROUTE_NO_DB}};
	static const struct module m5 = {"nodb", ROUTES(nodb)};
	const struct module *const l5[] = {&m5, NULL};
	assert_null(router_new(l5));
}

static void test_enumeration(void **state)
{
	(void)state;
	struct router *rt = router_new(mods);
	assert_int_equal(router_count(rt), 6);
	const char *mod = NULL;
	assert_ptr_equal(router_at(rt, 2, &mod), &orgs[2]);
	assert_string_equal(mod, "orgs");
	assert_null(router_at(rt, 6, NULL));
	router_free(rt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_params_and_literals),
	    cmocka_unit_test(test_not_found_and_method),
	    cmocka_unit_test(test_bad_tables_are_refused),
	    cmocka_unit_test(test_enumeration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
