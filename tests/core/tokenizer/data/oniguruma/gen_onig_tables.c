/* Generates, from the real Oniguruma library (the regex engine Hugging Face tokenizers runs its
 * pre-tokenizer patterns with, through the Rust `onig` crate: Ruby syntax, UTF-8, no options):
 *
 *   classes OUT.inc         core/text/detail/onig_classes.inc: for every character class the
 *                           translator rewrites (\s \d \w \h, \p{..} general categories, scripts and
 *                           properties, POSIX classes), the code point ranges Oniguruma puts in it.
 *   expected PATTERNS OUT   the expected table test_onig_classes checks: for each pattern of
 *                           PATTERNS (lines "name<TAB>pattern") and each of the 1,112,064 Unicode
 *                           scalar values c, the matches Oniguruma finds in a probe string built
 *                           around c (kProbe below), run-length encoded over c.
 *
 * Build and run (Debian: apt-get install libonig-dev), from the repository root:
 *   cc -O2 -o /tmp/gen_onig_tables tests/core/tokenizer/data/oniguruma/gen_onig_tables.c -lonig
 *   /tmp/gen_onig_tables classes core/text/detail/onig_classes.inc
 *   /tmp/gen_onig_tables expected tests/core/tokenizer/data/oniguruma/patterns.tsv \
 *       tests/core/tokenizer/data/oniguruma/expected.txt
 * Only this generator needs Oniguruma; the tokenizer runs on PCRE2 with the generated ranges. */
#include <oniguruma.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One probe per code point puts c next to each kind of character the patterns tell apart: at the
 * start, after a lower- and an upper-case letter, between digits, after space, punctuation, a
 * newline, four times in a row (for \p{N}{1,3} and the + loops), after 's and after an apostrophe
 * (the case-insensitive 's|'t|... contractions: U+017F and U+212A fold to s and k). '%' marks c.
 * The test uses the same string (it reads it from the expected table's header). */
static const char kProbe[] = "%a%A%1% %!%\n%%%%'s%'%";

static int utf8(unsigned c, unsigned char* o) {
    if (c < 0x80) { o[0] = (unsigned char)c; return 1; }
    if (c < 0x800) { o[0] = 0xC0 | (c >> 6); o[1] = 0x80 | (c & 63); return 2; }
    if (c < 0x10000) { o[0] = 0xE0 | (c >> 12); o[1] = 0x80 | ((c >> 6) & 63); o[2] = 0x80 | (c & 63); return 3; }
    o[0] = 0xF0 | (c >> 18); o[1] = 0x80 | ((c >> 12) & 63); o[2] = 0x80 | ((c >> 6) & 63); o[3] = 0x80 | (c & 63);
    return 4;
}

static int isScalar(unsigned c) { return c < 0xD800 || (c > 0xDFFF && c <= 0x10FFFF); }

static regex_t* compile(const char* pattern) {
    regex_t* reg;
    OnigErrorInfo info;
    int r = onig_new(&reg, (const UChar*)pattern, (const UChar*)pattern + strlen(pattern), ONIG_OPTION_NONE,
                     ONIG_ENCODING_UTF8, ONIG_SYNTAX_DEFAULT, &info);
    if (r != ONIG_NORMAL) {
        UChar msg[ONIG_MAX_ERROR_MESSAGE_LEN];
        onig_error_code_to_str(msg, r, &info);
        fprintf(stderr, "Oniguruma refuses %s: %s\n", pattern, msg);
        exit(1);
    }
    return reg;
}

/* ---- classes -------------------------------------------------------------------------------- */

/* key (what onig_translation.cpp looks up) and the Oniguruma expression that defines it */
static const char* const kClasses[][2] = {
    {"s", "\\s"}, {"d", "\\d"}, {"w", "\\w"}, {"h", "\\h"},
    /* general categories */
    {"l", "\\p{L}"}, {"lu", "\\p{Lu}"}, {"ll", "\\p{Ll}"}, {"lt", "\\p{Lt}"}, {"lm", "\\p{Lm}"}, {"lo", "\\p{Lo}"},
    {"m", "\\p{M}"}, {"mn", "\\p{Mn}"}, {"mc", "\\p{Mc}"}, {"me", "\\p{Me}"},
    {"n", "\\p{N}"}, {"nd", "\\p{Nd}"}, {"nl", "\\p{Nl}"}, {"no", "\\p{No}"},
    {"p", "\\p{P}"}, {"pc", "\\p{Pc}"}, {"pd", "\\p{Pd}"}, {"ps", "\\p{Ps}"}, {"pe", "\\p{Pe}"}, {"pi", "\\p{Pi}"},
    {"pf", "\\p{Pf}"}, {"po", "\\p{Po}"},
    {"s_", "\\p{S}"}, {"sm", "\\p{Sm}"}, {"sc", "\\p{Sc}"}, {"sk", "\\p{Sk}"}, {"so", "\\p{So}"},
    {"z", "\\p{Z}"}, {"zs", "\\p{Zs}"}, {"zl", "\\p{Zl}"}, {"zp", "\\p{Zp}"},
    {"c", "\\p{C}"}, {"cc", "\\p{Cc}"}, {"cf", "\\p{Cf}"}, {"co", "\\p{Co}"}, {"cn", "\\p{Cn}"},
    /* scripts and binary properties seen in real patterns */
    {"han", "\\p{Han}"}, {"hiragana", "\\p{Hiragana}"}, {"katakana", "\\p{Katakana}"}, {"hangul", "\\p{Hangul}"},
    {"latin", "\\p{Latin}"}, {"whitespace", "\\p{White_Space}"}, {"alphabetic", "\\p{Alphabetic}"},
    /* POSIX classes; [[:alpha:]] is taken as [\p{Alpha}] (the ":in" forms) */
    {"alpha", "\\p{Alpha}"}, {"alnum", "\\p{Alnum}"}, {"blank", "\\p{Blank}"}, {"cntrl", "\\p{Cntrl}"},
    {"digit", "\\p{Digit}"}, {"graph", "\\p{Graph}"}, {"lower", "\\p{Lower}"}, {"print", "\\p{Print}"},
    {"punct", "\\p{Punct}"}, {"space", "\\p{Space}"}, {"upper", "\\p{Upper}"}, {"xdigit", "\\p{XDigit}"},
    {"word", "\\p{Word}"},
};

static int matchesOne(regex_t* reg, unsigned c, OnigRegion* region) {
    unsigned char s[4];
    int n = utf8(c, s);
    int r = onig_match(reg, s, s + n, s, region, ONIG_OPTION_NONE);
    return r == n;
}

/* The Unicode version of each Oniguruma release's tables (its HISTORY file; the library has no
 * call for it). The tokenizer uses PCRE2's own general categories when PCRE2 has the same version. */
static const char* unicodeVersion(void) {
    static const char* const known[][2] = {{"6.9.8", "14.0.0"}, {"6.9.9", "15.1.0"}, {"6.9.10", "16.0.0"}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; ++i)
        if (strcmp(onig_version(), known[i][0]) == 0) return known[i][1];
    fprintf(stderr, "unknown Oniguruma %s: add its Unicode version to unicodeVersion()\n", onig_version());
    exit(1);
}

static unsigned char member[4][0x110000]; /* per variant: is the code point in it */

static void computeMembers(const char* expr, unsigned char* m, OnigRegion* region) {
    regex_t* reg = compile(expr);
    for (unsigned c = 0; c <= 0x10FFFF; ++c) m[c] = isScalar(c) && matchesOne(reg, c, region);
    onig_free(reg);
}

static void writeRanges(FILE* out, const char* key, const char* expr, const unsigned char* m) {
    fprintf(out, "AWQ_ONIG_CLASS(\"%s\", /* %s */", key, expr);
    int in = 0, count = 0;
    unsigned first = 0;
    for (unsigned c = 0; c <= 0x110000; ++c) {
        int now = c <= 0x10FFFF && (isScalar(c) ? m[c] : in); /* surrogates continue a run */
        if (now && !in) first = c;
        if (!now && in) {
            unsigned last = c - 1;
            while (!isScalar(last)) --last;
            fprintf(out, "%s0x%X,0x%X", count == 0 ? "\n    " : count % 8 ? "," : ",\n    ", first, last);
            ++count;
        }
        in = now;
    }
    fprintf(out, ")\n");
}

/* Oniguruma does not always give a class the same code points in every form: \w alone matches
 * U+00B2 (its Latin-1 table says word), [\w] and [^\w] treat it as not a word character. So each
 * class is also run as negated (\W, \P{..}, [[:^..:]]), inside brackets ([\w]) and negated inside
 * brackets ([\W]); a form that is not simply the class or its complement is written as its own
 * entry, "key:neg", "key:in" or "key:in-neg", which the translator then uses for that form. */
static void writeClasses(const char* outPath) {
    FILE* out = fopen(outPath, "w");
    if (!out) { perror(outPath); exit(1); }
    fprintf(out,
            "// Generated by tests/core/tokenizer/data/oniguruma/gen_onig_tables.c from Oniguruma %s (do not edit).\n"
            "// Per class: inclusive code point ranges [first, last], ascending, over Unicode scalar values.\n"
            "AWQ_ONIG_UNICODE_VERSION(\"%s\")\n",
            onig_version(), unicodeVersion());
    OnigRegion* region = onig_region_new();
    size_t n = sizeof kClasses / sizeof kClasses[0];
    static const char* const suffix[4] = {"", ":neg", ":in", ":in-neg"};
    for (size_t i = 0; i < n; ++i) {
        const char* expr = kClasses[i][1];
        char forms[4][80];
        /* \w \W [\w] [\W];  \p{L} \P{L} [\p{L}] [\P{L}] */
        snprintf(forms[0], sizeof forms[0], "%.60s", expr);
        snprintf(forms[1], sizeof forms[1], "%.60s", expr);
        forms[1][1] = (char)(forms[1][1] - 'a' + 'A');
        snprintf(forms[2], sizeof forms[2], "[%.60s]", forms[0]);
        snprintf(forms[3], sizeof forms[3], "[%.60s]", forms[1]);
        for (int f = 0; f < 4; ++f) computeMembers(forms[f], member[f], region);
        writeRanges(out, kClasses[i][0], forms[0], member[0]);
        for (int f = 1; f < 4; ++f) {
            int negated = f != 2, same = 1;
            for (unsigned c = 0; c <= 0x10FFFF && same; ++c)
                if (isScalar(c) && member[f][c] != (negated ? !member[0][c] : member[0][c])) same = 0;
            if (same) continue;
            char key[64];
            snprintf(key, sizeof key, "%s%s", kClasses[i][0], suffix[f]);
            writeRanges(out, key, forms[f], member[f]);
            fprintf(stderr, "%s differs from the plain class\n", forms[f]);
        }
    }
    onig_region_free(region, 1);
    fclose(out);
}

/* ---- expected ------------------------------------------------------------------------------- */

/* The matches Hugging Face gets: the onig crate's find_iter (non-overlapping, left to right; an
 * empty match right after the previous match is skipped by one character). Written as
 * "s-e,s-e,..." in code point offsets of the probe. */
static void findAll(regex_t* reg, OnigRegion* region, const unsigned char* s, int len, const int* cpIndex,
                    char* out, size_t outSize) {
    size_t used = 0;
    out[0] = 0;
    int pos = 0, lastEnd = -1;
    while (pos <= len) {
        int r = onig_search(reg, s, s + len, s + pos, s + len, region, ONIG_OPTION_NONE);
        if (r == ONIG_MISMATCH) break;
        if (r < 0) { fprintf(stderr, "onig_search failed: %d\n", r); exit(1); }
        int b = region->beg[0], e = region->end[0];
        if (b == e && e == lastEnd) {
            if (pos >= len) break;
            unsigned char lead = s[pos];
            pos += lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
            continue;
        }
        used += (size_t)snprintf(out + used, outSize - used, "%s%d-%d", used ? "," : "", cpIndex[b], cpIndex[e]);
        pos = e;
        lastEnd = e;
    }
}

static void writeExpected(const char* patternsPath, const char* outPath) {
    FILE* in = fopen(patternsPath, "r");
    if (!in) { perror(patternsPath); exit(1); }
    FILE* out = fopen(outPath, "w");
    if (!out) { perror(outPath); exit(1); }
    fprintf(out,
            "# Generated by gen_onig_tables.c from Oniguruma %s (do not edit).\n"
            "# probe <hex of the probe string in UTF-8, %% stands for the code point>\n"
            "# pattern <name>: then per distinct result \"r <id> <matches as cpstart-cpend,...>\",\n"
            "# then runs \"<first code point hex> <count of scalar values> <result id>\" covering all 1,112,064.\n",
            onig_version());
    fprintf(out, "probe ");
    for (const char* p = kProbe; *p; ++p) fprintf(out, "%02x", (unsigned char)*p);
    fprintf(out, "\n");
    char line[8192];
    OnigRegion* region = onig_region_new();
    enum { kMaxResults = 4096 };
    static char results[kMaxResults][256];
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#') continue;
        char* tab = strchr(line, '\t');
        if (!tab) { fprintf(stderr, "patterns line without a tab: %s\n", line); exit(1); }
        *tab = 0;
        const char* name = line;
        const char* pattern = tab + 1;
        regex_t* reg = compile(pattern);
        int nResults = 0;
        /* runs buffered so results can be listed first */
        size_t runCap = 1 << 16, nRuns = 0;
        unsigned(*runs)[3] = malloc(runCap * sizeof *runs);
        for (unsigned c = 0; c <= 0x10FFFF; ++c) {
            if (!isScalar(c)) continue;
            unsigned char s[128];
            int cpIndex[128];
            int len = 0, cps = 0;
            for (const char* p = kProbe; *p; ++p) {
                int n = *p == '%' ? utf8(c, s + len) : (s[len] = (unsigned char)*p, 1);
                for (int k = 0; k < n; ++k) cpIndex[len + k] = cps;
                len += n;
                ++cps;
            }
            cpIndex[len] = cps;
            char result[256];
            findAll(reg, region, s, len, cpIndex, result, sizeof result);
            int id = -1;
            for (int k = nResults - 1; k >= 0; --k)
                if (strcmp(results[k], result) == 0) { id = k; break; }
            if (id < 0) {
                if (nResults == kMaxResults) { fprintf(stderr, "too many distinct results\n"); exit(1); }
                strcpy(results[nResults], result);
                id = nResults++;
            }
            if (nRuns && runs[nRuns - 1][2] == (unsigned)id) {
                ++runs[nRuns - 1][1];
            } else {
                if (nRuns == runCap) runs = realloc(runs, (runCap *= 2) * sizeof *runs);
                runs[nRuns][0] = c;
                runs[nRuns][1] = 1;
                runs[nRuns][2] = (unsigned)id;
                ++nRuns;
            }
        }
        fprintf(out, "pattern %s\n", name);
        for (int k = 0; k < nResults; ++k) fprintf(out, "r %d %s\n", k, results[k]);
        for (size_t k = 0; k < nRuns; ++k) fprintf(out, "%X %u %u\n", runs[k][0], runs[k][1], runs[k][2]);
        fprintf(stderr, "%s: %d results, %zu runs\n", name, nResults, nRuns);
        free(runs);
        onig_free(reg);
    }
    onig_region_free(region, 1);
    fclose(in);
    fclose(out);
}

int main(int argc, char** argv) {
    OnigEncoding encodings[] = {ONIG_ENCODING_UTF8};
    onig_initialize(encodings, 1);
    if (argc == 3 && strcmp(argv[1], "classes") == 0) {
        writeClasses(argv[2]);
    } else if (argc == 4 && strcmp(argv[1], "expected") == 0) {
        writeExpected(argv[2], argv[3]);
    } else {
        fprintf(stderr, "usage: %s classes OUT.inc | expected PATTERNS.tsv OUT.txt\n", argv[0]);
        return 2;
    }
    onig_end();
    return 0;
}
