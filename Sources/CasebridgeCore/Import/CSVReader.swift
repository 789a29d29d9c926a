/// A small RFC 4180 reader working directly on UTF-8 bytes.
///
/// - Fields are separated by `,`, records by LF or CRLF (a lone CR is ordinary data).
/// - A field that starts with `"` is quoted: it runs to the next lone `"`, `""` stands for one `"`,
///   and commas, CR and LF inside it are data.
/// - A UTF-8 byte order mark at the very start is skipped; a UTF-16 one is refused.
/// - Empty records (a blank line) are skipped.
/// - Empty cells, quoted or not, are returned as `nil`.
///
/// Errors never carry cell contents: they name the line and the 0-based field index only,
/// because cells hold personal data that would otherwise end up in logs.
struct CSVReader {
    struct Record: Sendable {
        /// 1-based physical line on which the record starts.
        var line: Int
        var fields: [String?]
    }

    enum SyntaxError: Sendable, Hashable {
        /// A `"` inside a field that did not start with one.
        case strayQuote(field: Int)
        /// Something other than `,` or a line break right after a closing quote.
        case textAfterClosingQuote(field: Int)
        /// The file ended inside a quoted field.
        case unterminatedQuote(field: Int)
        /// The field's bytes are not valid UTF-8.
        case invalidUTF8(field: Int)
        /// The file starts with a UTF-16 or UTF-32 byte order mark.
        case notUTF8
    }

    struct Failure: Sendable, Hashable {
        var line: Int
        var error: SyntaxError
    }

    private static let quote: UInt8 = 0x22
    private static let comma: UInt8 = 0x2C
    private static let lf: UInt8 = 0x0A
    private static let cr: UInt8 = 0x0D

    /// Splits `bytes` into records. A record with a syntax error is dropped and reported once,
    /// and reading resumes at the next record.
    static func read(_ bytes: [UInt8]) -> (records: [Record], failures: [Failure]) {
        var records: [Record] = []
        let failures = read(bytes) { line, fields in records.append(Record(line: line, fields: fields)) }
        return (records, failures)
    }

    /// Streams records to `onRecord(line, fields)` as they are read; returns the failures.
    static func read(_ bytes: [UInt8], onRecord: (Int, [String?]) -> Void) -> [Failure] {
        bytes.withUnsafeBufferPointer { read($0, onRecord: onRecord) }
    }

    static func read(_ buf: UnsafeBufferPointer<UInt8>, onRecord: (Int, [String?]) -> Void) -> [Failure] {
        var failures: [Failure] = []
        let n = buf.count
        var i = 0
        if n >= 2, (buf[0] == 0xFF && buf[1] == 0xFE) || (buf[0] == 0xFE && buf[1] == 0xFF) {
            return [Failure(line: 1, error: .notUTF8)]
        }
        if n >= 3, buf[0] == 0xEF, buf[1] == 0xBB, buf[2] == 0xBF { i = 3 }

        var line = 1
        var fields: [String?] = []
        fields.reserveCapacity(32)
        var scratch: [UInt8] = []
        scratch.reserveCapacity(256)

        while i < n {
            // Start of a record.
            let recordLine = line
            fields.removeAll(keepingCapacity: true)
            var failure: SyntaxError? = nil

            // A blank line (LF or CRLF) is no record at all.
            if buf[i] == lf {
                i += 1; line += 1; continue
            }
            if buf[i] == cr, i + 1 < n, buf[i + 1] == lf {
                i += 2; line += 1; continue
            }

            var recordDone = false
            while !recordDone {
                let fieldIndex = fields.count
                if i < n, buf[i] == quote {
                    // Quoted field.
                    i += 1
                    scratch.removeAll(keepingCapacity: true)
                    var segmentStart = i
                    var closed = false
                    while i < n {
                        let b = buf[i]
                        if b == quote {
                            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buf[segmentStart..<i]))
                            if i + 1 < n, buf[i + 1] == quote {
                                scratch.append(quote)
                                i += 2
                                segmentStart = i
                                continue
                            }
                            i += 1
                            closed = true
                            break
                        }
                        if b == lf { line += 1 }
                        i += 1
                    }
                    if !closed {
                        failures.append(Failure(line: recordLine, error: .unterminatedQuote(field: fieldIndex)))
                        return failures
                    }
                    if failure == nil {
                        switch makeString(scratch) {
                        case .some(let s): fields.append(s.isEmpty ? nil : s)
                        case .none:
                            failure = .invalidUTF8(field: fieldIndex)
                            fields.append(nil)
                        }
                    } else {
                        fields.append(nil)
                    }
                    // After the closing quote: separator, line break, or end of input.
                    if i >= n {
                        recordDone = true
                    } else if buf[i] == comma {
                        i += 1
                    } else if buf[i] == lf {
                        i += 1; line += 1; recordDone = true
                    } else if buf[i] == cr, i + 1 < n, buf[i + 1] == lf {
                        i += 2; line += 1; recordDone = true
                    } else {
                        if failure == nil { failure = .textAfterClosingQuote(field: fieldIndex) }
                        // Skip the rest of the record as unquoted text.
                        skipRest(buf, &i, &line)
                        recordDone = true
                    }
                } else {
                    // Unquoted field.
                    let start = i
                    var sawQuote = false
                    var ascii = true
                    var end = i
                    var terminator = 0  // 0: end of input, 1: comma, 2: LF, 3: CRLF
                    while i < n {
                        let b = buf[i]
                        if b == comma { end = i; terminator = 1; break }
                        if b == lf {
                            if i > start, buf[i - 1] == cr { end = i - 1; terminator = 3 } else { end = i; terminator = 2 }
                            break
                        }
                        if b == quote { sawQuote = true }
                        if b >= 0x80 { ascii = false }
                        i += 1
                    }
                    if terminator == 0 {
                        // A file ending in a bare CR: treat it as the line break it was meant to be.
                        end = (n > start && buf[n - 1] == cr) ? n - 1 : n
                    }
                    if sawQuote, failure == nil { failure = .strayQuote(field: fieldIndex) }
                    if failure == nil, end > start {
                        let slice = UnsafeBufferPointer(rebasing: buf[start..<end])
                        if ascii {
                            fields.append(String(decoding: slice, as: UTF8.self))
                        } else if let s = makeString(slice) {
                            fields.append(s)
                        } else {
                            failure = .invalidUTF8(field: fieldIndex)
                            fields.append(nil)
                        }
                    } else {
                        fields.append(nil)
                    }
                    switch terminator {
                    case 1: i += 1
                    case 2, 3: i += 1; line += 1; recordDone = true
                    default: recordDone = true
                    }
                }
                if !recordDone, i >= n {
                    // The input ended right after a comma: one last, empty field.
                    fields.append(nil)
                    recordDone = true
                }
            }
            if let failure {
                failures.append(Failure(line: recordLine, error: failure))
            } else {
                onRecord(recordLine, fields)
            }
        }
        return failures
    }

    /// Advances past the end of the current record, treating everything as unquoted text.
    private static func skipRest(_ buf: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ line: inout Int) {
        while i < buf.count {
            if buf[i] == lf {
                i += 1; line += 1; return
            }
            i += 1
        }
    }

    private static func makeString(_ bytes: some Collection<UInt8>) -> String? {
        let s = String(decoding: bytes, as: UTF8.self)
        // Invalid sequences are replaced by U+FFFD, which changes the bytes.
        return s.utf8.elementsEqual(bytes) ? s : nil
    }

    // MARK: Writing

    /// Appends one field, quoted when it contains a comma, quote, CR or LF.
    static func appendField(_ value: String?, to out: inout String) {
        guard let value, !value.isEmpty else { return }
        var needsQuotes = false
        for b in value.utf8 where b == comma || b == quote || b == lf || b == cr {
            needsQuotes = true
            break
        }
        if !needsQuotes {
            out += value
            return
        }
        out += "\""
        var hasQuote = false
        for b in value.utf8 where b == quote { hasQuote = true; break }
        if hasQuote {
            for ch in value.unicodeScalars {
                if ch == "\"" { out += "\"\"" } else { out.unicodeScalars.append(ch) }
            }
        } else {
            out += value
        }
        out += "\""
    }
}
