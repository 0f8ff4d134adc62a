/// Joins a proto comment (already `///` lines, possibly empty) and the generator's own text into one
/// doc comment, separated by an empty `///` line. The generator's paragraphs are wrapped to lines of
/// at most `width` characters.
func docComment(proto: String, generated: String, width: Int = 100) -> String {
    var lines: [String] = []
    for paragraph in generated.split(separator: "\n", omittingEmptySubsequences: false) {
        var line = "///"
        for word in paragraph.split(separator: " ") {
            if line.count + 1 + word.count > width && line != "///" {
                lines.append(line)
                line = "///"
            }
            line += " " + word
        }
        lines.append(line)
    }
    let generatedLines = lines.joined(separator: "\n")
    guard !proto.isEmpty else { return generatedLines }
    return proto + "///\n" + generatedLines
}
