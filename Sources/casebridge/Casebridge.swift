import ArgumentParser

@main
struct Casebridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "casebridge",
        abstract: "Share human-trafficking case identifiers across agencies without sharing personal data.",
        discussion: """
            Each agency runs a node. The node keeps cases in clear in its private schema and publishes only
            pseudonymized, signed records: identifiers become keyed-hash tokens, so nodes can match the same phone,
            person, plate or handle without ever exchanging them.

            Exit codes: 0 success, 64 usage error, 65 bad input data, 66 input file not found, 69 database
            unavailable, 70 internal or database error, 73 refusing to overwrite, 75 publishing fenced (try again after a sync), 77 key file permissions,
            78 configuration error.
            """,
        subcommands: [
            InitCommand.self, KeysCommand.self, DBCommand.self, CasesCommand.self, SearchCommand.self,
            StatusCommand.self, CACommand.self, CertCommand.self, TrustCommand.self, ServeCommand.self, PeersCommand.self,
            UsersCommand.self, NodeCommand.self, LoginCommand.self, AlertsCommand.self, WatchCommand.self, AuditCommand.self, RetentionCommand.self,
            DevCommand.self, BenchCommand.self,
        ]
    )
}
