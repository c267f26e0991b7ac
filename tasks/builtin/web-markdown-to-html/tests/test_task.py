import pathlib
from html.parser import HTMLParser

import pytest
import untrusted

EXPECTED_DOC = '<h1>Release notes 2.4</h1>\n<p>Version <strong>2.4</strong> brings <em>faster</em> imports &amp; a new <code>--dry-run</code> flag. Read the <a href="https://docs.example.com/migrate?from=2.3&amp;to=2.4">migration guide</a> first.</p>\n<h2>Highlights</h2>\n<ul>\n<li>Parallel loader (up to <strong>3x</strong> faster)</li>\n<li>New <code>config.toml</code> keys: <code>retries</code>, <code>timeout</code></li>\n<li>Fixed a crash when a path contains <code>&lt;</code> or <code>&gt;</code></li>\n</ul>\n<h2>Upgrade steps</h2>\n<ol>\n<li>Back up your data.</li>\n<li>Run <code>tool migrate --dry-run</code>.</li>\n<li>Check the <em>report</em> and run again without the flag.</li>\n</ol>\n<blockquote><p>Note: plugins built for 1.x must be rebuilt. See the <a href="https://docs.example.com/faq#plugins">plugin FAQ</a>.</p></blockquote>\n<pre><code class="language-python">def load(path: str) -&gt; list[dict]:\n    # &lt;- not a tag, and *not* emphasis\n    return [row for row in read(path) if row["ok"] &amp; 1]\n\n</code></pre>\n<hr>\n<h3>Thanks</h3>\n<p>Thanks to all 42 contributors!</p>\n'


class Tokens(HTMLParser):
    """Parsed HTML as a token list; whitespace outside <pre> is collapsed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tokens, self.pre = [], 0

    def handle_starttag(self, tag, attrs):
        self.pre += tag == "pre"
        self.tokens.append(("start", tag, tuple(sorted(attrs))))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        self.pre -= tag == "pre"
        self.tokens.append(("end", tag))

    def handle_data(self, data):
        if not self.pre:
            data = " ".join(data.split())
            if not data:
                return
        if self.tokens and self.tokens[-1][0] == "data":
            self.tokens[-1] = ("data", self.tokens[-1][1] + data)
        else:
            self.tokens.append(("data", data))


def tokens(text):
    p = Tokens()
    p.feed(text)
    p.close()
    return p.tokens


def load():
    path = pathlib.Path.cwd() / "md.py"
    if not path.is_file():
        pytest.fail("md.py missing")
    return untrusted.load(path.name)  # runs in a child process, never in pytest's


def same(got, want):
    assert tokens(got) == tokens(want)


def test_doc_html():
    path = pathlib.Path("doc.html")
    assert path.is_file(), "doc.html missing"
    same(path.read_text(encoding="utf-8"), EXPECTED_DOC)


def test_headings():
    m = load()
    same(m.render("# One\n\n### Three *x*\n\n###### Six\n\n####### Seven\n"),
         "<h1>One</h1><h3>Three <em>x</em></h3><h6>Six</h6><p>####### Seven</p>")


def test_paragraphs_join_lines():
    m = load()
    same(m.render("first line\nsecond line\n\n   \nnext para\n"), "<p>first line second line</p><p>next para</p>")


def test_inline_formatting():
    m = load()
    same(m.render("a **b** *c* `d *e*` [f](http://x.y/?a=1&b=2)\n"),
         '<p>a <strong>b</strong> <em>c</em> <code>d *e*</code> <a href="http://x.y/?a=1&amp;b=2">f</a></p>')


def test_escaping():
    m = load()
    src = m.render("1 < 2 & 3 > 2 `<b>`\n")
    assert "<b>" not in src
    same(src, "<p>1 &lt; 2 &amp; 3 &gt; 2 <code>&lt;b&gt;</code></p>")


def test_lists():
    m = load()
    same(m.render("- a\n* b\n\n1. x\n22. y\ntext\n"),
         "<ul><li>a</li><li>b</li></ul><ol><li>x</li><li>y</li></ol><p>text</p>")


def test_code_fence():
    m = load()
    same(m.render("```\n**raw** <tag>\n\n  indented\n```\nafter\n"),
         "<pre><code>**raw** &lt;tag&gt;\n\n  indented\n</code></pre><p>after</p>")
    same(m.render("```js\nx = 1;\n```\n"), '<pre><code class="language-js">x = 1;\n</code></pre>')


def test_blockquote_and_rule():
    m = load()
    same(m.render("> quoted *text*\n> more\n\n---\npara\n# H\n"),
         "<blockquote><p>quoted <em>text</em> more</p></blockquote><hr><p>para</p><h1>H</h1>")
