/* The configuration table: defaults, environment, command line, checks. */
#include "unit.h"

#include "core/config.h"

static int load(struct config *c, char *msg, int argc, char **argv)
{
	return config_load(c, argc, argv, msg, 512);
}

static void test_defaults(void **state)
{
	(void)state;
	unsetenv("GONGHUI_LISTEN");
	unsetenv("GONGHUI_THREADS");
	struct config c;
	char msg[512];
	assert_int_equal(load(&c, msg, 0, NULL), 0);
	assert_string_equal(c.listen_host, "127.0.0.1");
	assert_int_equal(c.listen_port, 8080);
	assert_string_equal(c.db, "sqlite:var/gonghui.db");
	assert_true(c.threads >= 1);
	assert_int_equal(c.access_log, 1);
	config_release(&c);
}

static void test_env_then_command_line(void **state)
{
	(void)state;
	setenv("GONGHUI_THREADS", "3", 1);
	setenv("GONGHUI_LISTEN", "0.0.0.0:9000", 1);
	struct config c;
	char msg[512];
	char *argv[] = {"--listen", "127.0.0.1:0", "--access-log=off",
	                "extra",    "--db",        "postgresql://u@127.0.0.1/x"};
	assert_int_equal(load(&c, msg, 6, argv), 0);
	assert_int_equal(c.threads, 3);
	assert_int_equal(c.listen_port, 0);
	assert_int_equal(c.access_log, 0);
	assert_string_equal(c.db, "postgresql://u@127.0.0.1/x");
	assert_int_equal(c.nargs, 1);
	assert_string_equal(c.args[0], "extra");
	config_release(&c);
	unsetenv("GONGHUI_THREADS");
	unsetenv("GONGHUI_LISTEN");
}

static void test_bad_values_name_the_option(void **state)
{
	(void)state;
	static const struct {
		const char *args[2];
		const char *mentions;
	} cases[] = {
	    {{"--threads", "abc"}, "--threads"},
	    {{"--threads", "999"}, "--threads"},
	    {{"--listen", "8080"}, "--listen"},
	    {{"--listen", "127.0.0.1:70000"}, "--listen"},
	    {{"--db", "mysql://x"}, "--db"},
	    {{"--db", "sqlite:"}, "--db"},
	    {{"--access-log", "maybe"}, "--access-log"},
	    {{"--log-level", "loud"}, "--log-level"},
	    {{"--nope", "1"}, "--nope"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c;
		char msg[512];
		char *argv[2] = {(char *)cases[i].args[0], (char *)cases[i].args[1]};
		assert_int_equal(load(&c, msg, 2, argv), -1);
		if (!strstr(msg, cases[i].mentions))
			fail_msg("message \"%s\" does not name %s", msg, cases[i].mentions);
		config_release(&c);
	}
	setenv("GONGHUI_THREADS", "many", 1);
	struct config c;
	char msg[512];
	assert_int_equal(load(&c, msg, 0, NULL), -1);
	assert_non_null(strstr(msg, "GONGHUI_THREADS"));
	config_release(&c);
	unsetenv("GONGHUI_THREADS");
}

static void test_missing_value(void **state)
{
	(void)state;
	struct config c;
	char msg[512];
	char *argv[] = {"--db"};
	assert_int_equal(load(&c, msg, 1, argv), -1);
	assert_non_null(strstr(msg, "--db"));
	config_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_env_then_command_line),
	    cmocka_unit_test(test_bad_values_name_the_option),
	    cmocka_unit_test(test_missing_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
