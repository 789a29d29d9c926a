import CasebridgeCore
import Foundation
import Testing

@Suite struct ConfigTests {
    let sample = """
        # comment
        [node]
        id = "us-ca-sfpd"
        agency = "San Francisco \\"PD\\""
        default_region = "US"

        [database]
        conninfo = 'host=/tmp port=5432'

        [keys]
        signing = "signing.key"
        pseudonym = "/etc/casebridge/pseudonym.key"

        [policy]
        publish_roles = ["suspect", "victim"]  # trailing comment

        [import]
        date_order = "dmy"
        """

    @Test func parsesAndResolvesPaths() throws {
        let c = try NodeConfig(toml: sample, source: "c.toml", directory: "/srv/node")
        #expect(c.nodeId == "us-ca-sfpd")
        #expect(c.agency == "San Francisco \"PD\"")
        #expect(c.database == "host=/tmp port=5432")
        #expect(c.signingKeyPath == "/srv/node/signing.key")
        #expect(c.pseudonymKeyPath == "/etc/casebridge/pseudonym.key")
        #expect(c.publishRoles == [.suspect, .victim])
        #expect(c.dateOrder == .dmy)
        #expect(c.logFormat == .text)
    }

    @Test func investigatorSettingsParseAndAreChecked() throws {
        let text = sample + """

            [access]
            token_days = 30
            max_failures = 3
            [alerts]
            hook = "mail -s alert ht-unit@example.org"
            movement_window_days = 90
            [retention]
            review_years = 7
            """
        let c = try NodeConfig(toml: text, source: "c.toml", directory: "/srv/node")
        #expect(c.investigators.tokenDays == 30 && c.investigators.maxFailures == 3 && c.investigators.lockMinutes == 15)
        #expect(c.investigators.alertHook == "mail -s alert ht-unit@example.org")
        #expect(c.investigators.movementWindowDays == 90 && c.investigators.movementJurisdictions == 3)
        #expect(c.investigators.reviewYears == 7)
        let bad = sample + "\n[alerts]\nmovement_jurisdictions = 1\n"
        #expect(throws: ConfigError.self) { try NodeConfig(toml: bad, source: "c.toml", directory: "/") }
        let rendered = try NodeConfig(toml: c.rendered(signingKeyPath: "s.key", pseudonymKeyPath: "p.key"), source: "r.toml", directory: "/")
        #expect(rendered.investigators == c.investigators)
    }

    @Test func renderedConfigParsesBack() throws {
        let c = NodeConfig(
            nodeId: "mx-bcn-fge", agency: "Fiscalía \"BC\"\n", defaultRegion: "MX", database: "postgresql://u@h/db",
            signingKeyPath: "signing.key", pseudonymKeyPath: "/k/p.key", publishRoles: [.associate], dateOrder: .mdy)
        let back = try NodeConfig(toml: c.rendered(signingKeyPath: "signing.key", pseudonymKeyPath: "/k/p.key"), source: "x", directory: "/d")
        #expect(back.agency == c.agency)
        #expect(back.database == c.database)
        #expect(back.publishRoles == [.associate])
        #expect(back.dateOrder == .mdy)
        #expect(back.signingKeyPath == "/d/signing.key")
    }

    @Test func errorsNameTheLine() throws {
        let bad = sample.replacingOccurrences(of: "default_region = \"US\"", with: "default_region = US")
        let e = try #require(throws: ConfigError.self) { try NodeConfig(toml: bad, source: "c.toml", directory: "/") }
        #expect(e.line == 5)
        #expect(e.description.hasPrefix("c.toml:5:"))
        let unknown = sample + "\n[log]\nverbosity = \"x\"\n"
        let e2 = try #require(throws: ConfigError.self) { try NodeConfig(toml: unknown, source: "c.toml", directory: "/") }
        #expect(e2.reason.contains("log.verbosity"))
        let badId = sample.replacingOccurrences(of: "us-ca-sfpd", with: "US CA")
        #expect(throws: ConfigError.self) { try NodeConfig(toml: badId, source: "c.toml", directory: "/") }
        let dup = sample + "\n[node]\nid = \"x\"\n"
        #expect(throws: ConfigError.self) { try NodeConfig(toml: dup, source: "c.toml", directory: "/") }
        let missing = sample.replacingOccurrences(of: "agency = ", with: "# agency = ")
        let e3 = try #require(throws: ConfigError.self) { try NodeConfig(toml: missing, source: "c.toml", directory: "/") }
        #expect(e3.reason.contains("node.agency"))
    }
}
