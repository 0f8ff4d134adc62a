/// Joins a proto comment (already `///` lines, possibly empty) and the generator's own text into one
/// doc comment, separated by an empty `///` line. Each line of the generator's text is a paragraph
/// or a list item (`- Returns: …`, `  - request: …`), wrapped to lines of at most `width`
/// characters; a list item's further lines are indented under its text.
func docComment(proto: String, generated: String, width: Int = 100) -> String {
    var lines: [String] = []
    for paragraph in generated.split(separator: "\n", omittingEmptySubsequences: false) {
        let indent = String(paragraph.prefix(while: { $0 == " " }))
        let start = "///" + (indent.isEmpty ? "" : " " + indent.dropLast())
        let continuation = paragraph.dropFirst(indent.count).hasPrefix("- ") ? start + "  " : start
        var line = start
        for word in paragraph.split(separator: " ") {
            if line.count + 1 + word.count > width && line != start && line != continuation {
                lines.append(line)
                line = continuation
            }
            line += " " + word
        }
        lines.append(line)
    }
    let generatedLines = lines.joined(separator: "\n")
    guard !proto.isEmpty else { return generatedLines }
    return proto + "///\n" + generatedLines
}
