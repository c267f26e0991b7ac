import pathlib
from html.parser import HTMLParser

import pytest
import untrusted

EXPECTED_CLEAN = '\n\n  <h2>Great article!</h2>\n  <p>I <b>really</b> liked the part about <code>&lt;script&gt;</code> tags &amp; escaping.</p>\n  \n  <p>More: <a href="https://example.com/more" title="more" rel="nofollow noopener">here</a>,\n     <a rel="nofollow noopener">click me</a>, <a rel="nofollow noopener">or me</a>,\n     <a href="/relative/path?x=1&amp;y=2" rel="nofollow noopener">relative</a>, <a href="mailto:me@example.com" rel="nofollow noopener">mail</a>,\n     <a rel="nofollow noopener">data</a></p>\n  \n  \n  <ul><li>one</li><li>two</li></ul>\n  \n  <blockquote>quoted <i>words</i></blockquote>\n  <p>Unclosed <strong>bold\n\n</strong></p>'
ALLOWED = {"p", "br", "b", "i", "em", "strong", "a", "ul", "ol", "li", "code", "pre", "blockquote", "h2", "h3"}


class Tokens(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tokens, self.depth, self.balanced = [], [], True

    def handle_starttag(self, tag, attrs):
        self.tokens.append(("start", tag, tuple(sorted(attrs))))
        if tag != "br":
            self.depth.append(tag)

    def handle_endtag(self, tag):
        self.tokens.append(("end", tag))
        if not self.depth or self.depth.pop() != tag:
            self.balanced = False

    def handle_data(self, data):
        data = " ".join(data.split())
        if data:
            self.tokens.append(("data", data))

    def handle_comment(self, data):
        self.tokens.append(("comment", data))


def parse(text):
    p = Tokens()
    p.feed(text)
    p.close()
    return p


def load():
    path = pathlib.Path.cwd() / "sanitize.py"
    if not path.is_file():
        pytest.fail("sanitize.py missing")
    return untrusted.load(path.name).sanitize


def test_clean_file():
    path = pathlib.Path("comments.clean.html")
    assert path.is_file(), "comments.clean.html missing"
    assert parse(path.read_text(encoding="utf-8")).tokens == parse(EXPECTED_CLEAN).tokens


def test_dangerous_elements_removed_with_content():
    s = load()
    out = s("<p>hi<script>alert(1)</script><style>p{}</style><iframe><b>ad</b></iframe>there</p>")
    assert parse(out).tokens == [("start", "p", ()), ("data", "hithere"), ("end", "p")]


def test_unknown_tags_unwrapped_and_comments_removed():
    s = load()
    out = s("<!doctype html><div><span>text</span> <!-- hidden --><font>more</font></div>")
    assert parse(out).tokens == [("data", "text more")]


def test_attributes_stripped():
    s = load()
    out = s('<p class="x" style="color:red" onclick="evil()">a</p><b id="y">b</b><a href="https://ok.example/" target="_blank" onmouseover="x()" title="t">c</a>')
    assert parse(out).tokens == [("start", "p", ()), ("data", "a"), ("end", "p"), ("start", "b", ()), ("data", "b"),
                                 ("end", "b"), ("start", "a", (("href", "https://ok.example/"), ("rel", "nofollow noopener"), ("title", "t"))),
                                 ("data", "c"), ("end", "a")]


@pytest.mark.parametrize("href", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " java\tscript:alert(1)",
                                  "&#106;avascript:alert(1)", "vbscript:x", "data:text/html;base64,AAAA", "java&#x0A;script:x"])
def test_dangerous_hrefs_dropped(href):
    s = load()
    out = s(f'<a href="{href}">x</a>')
    assert parse(out).tokens == [("start", "a", (("rel", "nofollow noopener"),)), ("data", "x"), ("end", "a")]


def test_safe_hrefs_kept():
    s = load()
    for href, want in [("https://a.example/x?y=1&amp;z=2", "https://a.example/x?y=1&z=2"), ("mailto:a@b.c", "mailto:a@b.c"),
                       ("/rel/path", "/rel/path"), ("page.html#top", "page.html#top"), (" HTTP://A.example ", "HTTP://A.example")]:
        tokens = parse(s(f'<a href="{href}">x</a>')).tokens
        assert dict(tokens[0][2]).get("href") == want, href


def test_escaping():
    s = load()
    out = s("<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; 1 &lt; 2</p>")
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert parse(out).tokens == [("start", "p", ()), ("data", "<script>alert(1)</script> & 1 < 2"), ("end", "p")]
    out = s('<a title="a&quot;b<c>">t</a>')
    assert dict(parse(out).tokens[0][2])["title"] == 'a"b<c>'
    assert '"b<' not in out


@pytest.mark.parametrize("src", ["<p>Unclosed <strong>bold", "<b><i>x</b>y</i>", "</p>stray</b><br/><br></br>",
                                 "<ul><li>one<li>two</ul>", "<blockquote><p>a</blockquote>b"])
def test_well_formed(src):
    s = load()
    p = parse(s(src))
    assert p.balanced and not p.depth
    assert {t[1] for t in p.tokens if t[0] in ("start", "end")} <= ALLOWED


def test_idempotent():
    s = load()
    text = pathlib.Path("comments.html").read_text(encoding="utf-8")
    for src in [text, "<ul><li>a<li>b</ul>", '<a href=" https://x.example ">x</a>', "<p>&lt;b&gt;</p>", "a<br>b"]:
        once = s(src)
        assert s(once) == once
