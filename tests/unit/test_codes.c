/* The code tables: complete, unique, and looked up both ways. */
#include "unit.h"

#include "platform/codes.h"

static void test_ethnicity_has_all_56(void **state)
{
	(void)state;
	const struct code_table *t = code_table("ethnicity");
	assert_non_null(t);
	int groups = 0;
	for (int i = 0; i < t->n; i++) {
		int v = atoi(t->codes[i].code);
		if (v >= 1 && v <= 56) {
			/* 01 … 56 in order, each two digits */
			assert_int_equal(v, ++groups);
			assert_int_equal(strlen(t->codes[i].code), 2);
		}
	}
	assert_int_equal(groups, 56);
	assert_string_equal(code_name("ethnicity", "01"), "汉族");
	assert_string_equal(code_name("ethnicity", "56"), "基诺族");
	assert_string_equal(code_name("ethnicity", "97"), "其他");
	assert_string_equal(code_name("ethnicity", "98"), "外国血统中国籍人士");
}

static void test_codes_and_names_unique(void **state)
{
	(void)state;
	assert_int_equal(code_tables_count, 11);
	for (int k = 0; k < code_tables_count; k++) {
		const struct code_table *t = &code_tables[k];
		assert_true(t->n > 0);
		assert_ptr_equal(code_table(t->id), t);
		for (int k2 = 0; k2 < k; k2++)
			assert_string_not_equal(code_tables[k2].id, t->id);
		for (int i = 0; i < t->n; i++)
			for (int j = 0; j < i; j++) {
				if (!strcmp(t->codes[i].code, t->codes[j].code) ||
				    !strcmp(t->codes[i].name, t->codes[j].name))
					fail_msg("%s: duplicate %s/%s", t->id, t->codes[i].code,
					         t->codes[i].name);
				/* a name must not read as another entry's code, either way */
				assert_string_not_equal(t->codes[i].name, t->codes[j].code);
				assert_string_not_equal(t->codes[j].name, t->codes[i].code);
			}
	}
	assert_int_equal(code_table("unit_type")->n, 16);
	assert_int_equal(code_table("industry")->n, 20);
	assert_int_equal(code_table("political")->n, 13);
}

static void test_both_ways(void **state)
{
	(void)state;
	for (int k = 0; k < code_tables_count; k++) {
		const struct code_table *t = &code_tables[k];
		for (int i = 0; i < t->n; i++) {
			const struct code *c = &t->codes[i];
			assert_string_equal(code_name(t->id, c->code), c->name);
			assert_ptr_equal(code_lookup(t->id, c->code), c->code);
			assert_ptr_equal(code_lookup(t->id, c->name), c->code);
		}
	}
	assert_string_equal(code_lookup("political", "群众"), "13");
	assert_string_equal(code_lookup("education", "大学本科"), "21");
	assert_string_equal(code_lookup("employment", "下岗/待岗"), "laid_off");
	assert_string_equal(code_lookup("industry", "制造业"), "C");
	assert_string_equal(code_lookup("yesno", "是"), "1");
	assert_string_equal(code_name("gender", "2"), "女");
	assert_string_equal(code_name("marital", "90"), "未说明");
}

static void test_unknown(void **state)
{
	(void)state;
	assert_null(code_table("nope"));
	assert_null(code_table(NULL));
	assert_null(code_name("nope", "01"));
	assert_null(code_name("ethnicity", "57"));
	assert_null(code_name("ethnicity", "1"));
	assert_null(code_name("ethnicity", NULL));
	assert_null(code_lookup("ethnicity", "汉"));
	assert_null(code_lookup("ethnicity", ""));
	assert_null(code_lookup("ethnicity", "   "));
	assert_null(code_lookup("ethnicity", NULL));
	assert_null(code_lookup("nope", "汉族"));
	/* a code of one table is not a code of another */
	assert_null(code_lookup("political", "urban"));
	/* prefixes and longer strings do not match */
	assert_null(code_lookup("ethnicity", "汉族人"));
	assert_null(code_lookup("education", "大学"));
}

static void test_lookup_trims(void **state)
{
	(void)state;
	assert_string_equal(code_lookup("ethnicity", "  汉族 "), "01");
	assert_string_equal(code_lookup("ethnicity", "\t03\r\n"), "03");
	assert_string_equal(code_lookup("political", "\xe3\x80\x80群众\xe3\x80\x80 "), "13");
	assert_string_equal(code_lookup("hukou", " 农转居"), "converted");
	/* inner spaces are part of the text */
	assert_null(code_lookup("ethnicity", "汉 族"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ethnicity_has_all_56),
	    cmocka_unit_test(test_codes_and_names_unique),
	    cmocka_unit_test(test_both_ways),
	    cmocka_unit_test(test_unknown),
	    cmocka_unit_test(test_lookup_trims),
	};
	return cmocka_run_group_tests_name("codes", tests, NULL, NULL);
}
