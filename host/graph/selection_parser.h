// The syntax of asset selections, apart from what they select (selection.h evaluates them).
//
// Two syntaxes, as Dagster reads them (AssetSelection.from_string):
//  - the current grammar, Dagster's AssetSelection.g4, tried first (ParseExpression);
//  - if that fails, the legacy clauses of Dagster's parse_clause, comma-separated
//    (ParseLegacy): "*a", "+a", "a++", "*+a", "a+*", "+a+", "*", bare names only.
#ifndef ASSETFLOW_HOST_GRAPH_SELECTION_PARSER_H_
#define ASSETFLOW_HOST_GRAPH_SELECTION_PARSER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "common/status.h"

namespace af::selection {

// How far a traversal goes: not at all, a number of levels (0: the operand only), or all.
struct Depth {
  bool present = false;
  int levels = -1;  // < 0: unbounded
};

// A node of a parsed expression of the current grammar.
struct Node {
  enum class Kind {
    kAll,    // "*"
    kKey,    // key:value ('*' a wildcard over the whole key "a/b")
    kTag,    // tag:value[=tag_value] (no value: the empty value)
    kOwner,  // owner:value
    kGroup,  // group:value ('*' a wildcard)
    kKind,   // kind:value
    kNot,    // not children[0]
    kAnd,    // children[0] and children[1]
    kOr,     // children[0] or children[1]
    kSinks,  // sinks(children[0])
    kRoots,  // roots(children[0])
    kParens, // (children[0]), so that its own traversals apply first
  };
  Kind kind = Kind::kAll;
  std::string value;      // an attribute's value, unquoted
  std::string tag_value;  // kTag only
  bool null_value = false;  // the value was <null>
  Depth up, down;           // traversals around an attribute, a call or a parenthesis
  std::vector<Node> children;
};

// Parses `text` with the current grammar. A syntax error is an InvalidArgument naming the
// token and its 1-based column ("unexpected 'and' at column 7", "expected ')' at column 12",
// "unexpected character '@' at column 12", "unterminated string at column 5"); the first
// error from the left is reported. Attributes the grammar has but assetflow does not
// (status:, code_location:, ...) are errors naming them, as is "empty selection expression".
Expected<Node> ParseExpression(const std::string& text);

// One legacy clause: a bare asset name and its traversals.
struct Clause {
  std::string name;
  size_t column = 0;  // 1-based, of the name
  Depth up, down;
};

// Parses `text` as comma-separated legacy clauses, each as Dagster's parse_clause:
// "*"? "+"* NAME "+"* "*"?, NAME of [A-Za-z0-9_./?[\]-], blanks around a clause ignored; a
// '*' on a side makes that side unbounded (so "*+a" and "a+*" are), else each '+' is one level.
// "*" alone is a clause with an empty name (everything). An invalid clause is an
// InvalidArgument: "invalid selection clause '+*a' at column 1", "empty selection clause at
// column 8".
Expected<std::vector<Clause>> ParseLegacy(const std::string& text);

// Dagster's last resort (AssetSelection.tag_string): "tag:k" / "tag:k=v" for tags the
// grammar cannot spell unquoted ("tag:team=data-eng"): only when `text` holds a character
// outside the grammar's unquoted strings (so "tag:team=" stays the grammar's error), no blank
// and at most one '='. False (and `out` untouched) otherwise.
bool ParseLegacyTag(const std::string& text, Node* out);

// Whether `text` can only have been meant as legacy clauses: it has none of the current
// grammar's ':', '(', ')', '"' and no word that is one of its keywords (and, or, not, sinks,
// owner, ...). Decides whose error is reported when both syntaxes reject it, or when a legacy
// name is no asset.
bool LooksLegacy(const std::string& text);

}  // namespace af::selection

#endif
