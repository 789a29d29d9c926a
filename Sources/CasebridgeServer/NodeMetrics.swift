import Foundation
import Synchronization

/// Counters and histograms kept in memory and rendered in the Prometheus text format on the local API's /metrics.
/// Gauges that live in the database (entries per origin, lag per peer) are added at scrape time.
public final class NodeMetrics: Sendable {
    struct Key: Hashable {
        var name: String
        var labels: [String]  // k=v pairs, sorted
    }

    struct Histogram {
        var buckets: [Double: Int] = [:]
        var sum = 0.0
        var count = 0
    }

    static let bucketBounds: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private let counters = Mutex<[Key: Double]>([:])
    private let histograms = Mutex<[Key: Histogram]>([:])
    let help: [String: (type: String, help: String)] = [
        "casebridge_sync_pulls_total": ("counter", "Pulls from a peer, by result."),
        "casebridge_sync_errors_total": ("counter", "Failed pulls from a peer."),
        "casebridge_entries_applied_total": ("counter", "Entries verified and applied, by origin."),
        "casebridge_entries_rejected_total": ("counter", "Entries refused, by origin and reason."),
        "casebridge_http_requests_total": ("counter", "HTTP requests, by listener, route and status."),
        "casebridge_http_request_duration_seconds": ("histogram", "HTTP request latency, by listener and route."),
        "casebridge_tls_refusals_total": ("counter", "Federation requests refused for their client certificate, and pulls refused for the peer's server certificate, by reason."),
        "casebridge_tls_reloads_total": ("counter", "Attempts to load a renewed TLS certificate, by result (ok, refused)."),
        "casebridge_crl_installed_total": ("counter", "Newer certificate revocation lists installed from peers."),
        "casebridge_crl_refused_total": ("counter", "Certificate revocation lists from peers refused (bad signature or format), by peer."),
    ]

    public init() {}

    static func key(_ name: String, _ labels: [String: String]) -> Key {
        Key(name: name, labels: labels.map { "\($0.key)=\"\(escape($0.value))\"" }.sorted())
    }

    static func escape(_ v: String) -> String {
        v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    public func increment(_ name: String, _ labels: [String: String] = [:], by v: Double = 1) {
        let k = Self.key(name, labels)
        counters.withLock { $0[k, default: 0] += v }
    }

    public func observe(_ name: String, _ labels: [String: String], seconds: Double) {
        let k = Self.key(name, labels)
        histograms.withLock { h in
            var x = h[k] ?? Histogram()
            for b in Self.bucketBounds where seconds <= b { x.buckets[b, default: 0] += 1 }
            x.sum += seconds
            x.count += 1
            h[k] = x
        }
    }

    /// The exposition text of everything kept here.
    public func render() -> String {
        var out = ""
        let cs = counters.withLock { $0 }
        let hs = histograms.withLock { $0 }
        var names = Set(cs.keys.map(\.name)).union(hs.keys.map(\.name))
        names.formUnion(help.keys)
        for name in names.sorted() {
            if let h = help[name] { out += "# HELP \(name) \(h.help)\n# TYPE \(name) \(h.type)\n" }
            for (k, v) in cs where k.name == name { out += "\(name)\(Self.labelText(k.labels)) \(Self.number(v))\n" }
            for (k, h) in hs where k.name == name {
                // `observe` already counts each observation in every bucket it fits: the buckets are cumulative.
                for b in Self.bucketBounds {
                    out += "\(name)_bucket\(Self.labelText(k.labels + ["le=\"\(Self.number(b))\""])) \(h.buckets[b] ?? 0)\n"
                }
                out += "\(name)_bucket\(Self.labelText(k.labels + ["le=\"+Inf\""])) \(h.count)\n"
                out += "\(name)_sum\(Self.labelText(k.labels)) \(h.sum)\n"
                out += "\(name)_count\(Self.labelText(k.labels)) \(h.count)\n"
            }
        }
        return out
    }

    static func labelText(_ labels: [String]) -> String { labels.isEmpty ? "" : "{" + labels.joined(separator: ",") + "}" }

    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    /// A gauge line set (for values read from the database at scrape time).
    public static func gauge(_ name: String, help: String, _ values: [([String: String], Double)]) -> String {
        var out = "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
        for (labels, v) in values { out += "\(name)\(labelText(key(name, labels).labels)) \(number(v))\n" }
        return out
    }
}
