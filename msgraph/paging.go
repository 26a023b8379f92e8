package msgraph

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
)

// Page is one page of a Graph collection.
type Page struct {
	Value     []json.RawMessage `json:"value"`
	NextLink  string            `json:"@odata.nextLink"`  // absolute; empty on the last page
	DeltaLink string            `json:"@odata.deltaLink"` // on the last page of a delta query
	Count     *int64            `json:"@odata.count"`     // with $count=true
}

// maxPages bounds a walk, so that a server that keeps sending nextLinks
// cannot hold a caller for ever.
const maxPages = 100000

// Pages walks a collection: path as for URL, then each @odata.nextLink as
// Graph sent it (absolute, with its $skiptoken), while it is on the
// client's host. It yields each page, or an error and stops: a
// *GraphError, the credential's error, or one wrapping ErrForeignLink for
// a nextLink to another host, a link that repeats, or more than 100,000
// pages. Stop ranging to stop early. The last page's DeltaLink, for a
// delta query, is what to call next time. Every page of an advanced query
// (see Send) goes with ConsistencyLevel: eventual, as Graph needs, even
// when a nextLink does not repeat the options that made it one.
func (c *Client) Pages(ctx context.Context, path string) iter.Seq2[Page, error] {
	return func(yield func(Page, error) bool) {
		seen := map[[sha256.Size]byte]bool{} // links by digest: a nextLink may be kilobytes
		// Graph needs ConsistencyLevel on every page of an advanced
		// query, and a nextLink need not repeat what made it one.
		eventual := false
		if first, err := c.URL(path); err == nil {
			if u, err := url.Parse(first); err == nil {
				eventual = advancedQuery(u)
			}
		}
		for n := 0; path != ""; n++ {
			sum := sha256.Sum256([]byte(path))
			if n >= maxPages || seen[sum] {
				yield(Page{}, fmt.Errorf("msgraph: paging stopped after %d pages: Graph's nextLink does not end", n))
				return
			}
			seen[sum] = true
			var page Page
			if err := c.do(ctx, "GET", path, nil, &page, eventual); err != nil {
				yield(Page{}, err)
				return
			}
			if page.NextLink != "" {
				if _, err := c.URL(page.NextLink); err != nil {
					if yield(page, nil) {
						yield(Page{}, err)
					}
					return
				}
			}
			if !yield(page, nil) {
				return
			}
			path = page.NextLink
		}
	}
}

// All walks a collection as Pages does and decodes each item into a T. It
// yields the items in order, or an error and stops; an item that is not a
// T is a *GraphError whose Err says why.
func All[T any](ctx context.Context, c *Client, path string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for page, err := range c.Pages(ctx, path) {
			if err != nil {
				yield(zero, err)
				return
			}
			for _, raw := range page.Value {
				var item T
				if err := json.Unmarshal(raw, &item); err != nil {
					yield(zero, &GraphError{StatusCode: 200, Method: "GET", Path: pathOf(c, path), Err: fmt.Errorf("an item is not the JSON expected: %w", err)})
					return
				}
				if !yield(item, nil) {
					return
				}
			}
		}
	}
}

// String describes the page without its items or links, which can carry
// directory data and skip tokens.
func (p Page) String() string {
	return fmt.Sprintf("msgraph.Page{Items: %d, NextLink: %t, DeltaLink: %t}", len(p.Value), p.NextLink != "", p.DeltaLink != "")
}

// Format prints String for every verb.
func (p Page) Format(f fmt.State, _ rune) { fmt.Fprint(f, p.String()) }

// pathOf is the escaped path, without host and query, that path (as for
// URL) is sent to, for an error.
func pathOf(c *Client, path string) string {
	target, err := c.URL(path)
	if err != nil {
		return ""
	}
	u, err := url.Parse(target)
	if err != nil {
		return ""
	}
	return clip(u.EscapedPath(), 200)
}
