// Package tagged exists only with -tags leakdemo; without it the package is this comment.
package tagged
