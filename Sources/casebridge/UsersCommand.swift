import ArgumentParser
import CasebridgeCore
import CasebridgeNode
import CasebridgeStore
import Foundation

/// Who runs a command on the node host, for the audit log: `host:<unix user>`.
func hostActor() -> String {
    let env = ProcessInfo.processInfo.environment
    return "host:" + (env["SUDO_USER"] ?? env["USER"] ?? env["LOGNAME"] ?? String(getuid()))
}

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage the local API's users (on the node host, with the node's configuration).",
        discussion: """
            Each user gets a random API token, shown once and stored only as a hash. Tokens expire after
            access.token_days; access.max_failures failed attempts lock the account for access.lock_minutes.
            Every change is audited.
            """,
        subcommands: [Add.self, List.self, Disable.self, Enable.self, ResetToken.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user and print their API token (shown once).")
        @OptionGroup var options: NodeOptions
        @Argument(help: "User name: 1-63 characters of a-z, 0-9, '.', '-', '_'.") var name: String
        @Option(help: "investigator, supervisor or admin.") var role: String
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func validate() throws {
            guard UserRole(rawValue: role) != nil else { throw ValidationError("--role must be investigator, supervisor or admin") }
        }

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (context, store, logger) = try options.openNode()
                let accounts = UserAccounts(settings: context.config.investigators, logger: logger)
                let token = try accounts.add(name: name, role: UserRole(rawValue: role)!, actor: hostActor(), store: store)
                printToken(token, user: name, days: context.config.investigators.tokenDays, format: format)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users, their roles and account state.")
        @OptionGroup var options: NodeOptions
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (_, store, _) = try options.openNode()
                let users = try store.users()
                struct U: Encodable {
                    var name: String; var role: String; var state: String; var tokenExpiresAt: String?; var failedAttempts: Int
                    var lockedUntil: String?; var lastLogin: String?; var createdAt: String
                }
                let out = users.map { u in
                    U(name: u.name, role: u.role, state: u.disabled ? "disabled" : u.locked ? "locked" : u.expired ? "expired" : "active",
                      tokenExpiresAt: u.tokenExpiresAt, failedAttempts: u.failedAttempts, lockedUntil: u.locked ? u.lockedUntil : nil,
                      lastLogin: u.lastLogin, createdAt: u.createdAt)
                }
                if format == .json {
                    struct Out: Encodable { var users: [U] }
                    try printJSON(Out(users: out))
                } else if out.isEmpty {
                    print("No users. Add one with `casebridge users add NAME --role investigator`.")
                } else {
                    for u in out {
                        print("\(u.name)  \(u.role)  \(u.state)  token expires \(u.tokenExpiresAt ?? "-")  last login \(u.lastLogin ?? "never")")
                    }
                }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user: their token is refused until re-enabled.")
        @OptionGroup var options: NodeOptions
        @Argument(help: "User name.") var name: String

        func run() async throws {
            try await runReportingErrors {
                let (context, store, logger) = try options.openNode()
                try UserAccounts(settings: context.config.investigators, logger: logger).setDisabled(name: name, true, actor: hostActor(), store: store)
                print("disabled \(name)")
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Re-enable a disabled user.")
        @OptionGroup var options: NodeOptions
        @Argument(help: "User name.") var name: String

        func run() async throws {
            try await runReportingErrors {
                let (context, store, logger) = try options.openNode()
                try UserAccounts(settings: context.config.investigators, logger: logger).setDisabled(name: name, false, actor: hostActor(), store: store)
                print("enabled \(name)")
            }
        }
    }

    struct ResetToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-token", abstract: "Replace a user's token (the old one stops working; a lock is cleared).")
        @OptionGroup var options: NodeOptions
        @Argument(help: "User name.") var name: String
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() async throws {
            try await runReportingErrors(format: format) {
                let (context, store, logger) = try options.openNode()
                let token = try UserAccounts(settings: context.config.investigators, logger: logger).resetToken(name: name, actor: hostActor(), store: store)
                printToken(token, user: name, days: context.config.investigators.tokenDays, format: format)
            }
        }
    }
}

func printToken(_ token: APIToken, user: String, days: Int, format: OutputFormat) {
    if format == .json {
        struct Out: Encodable { var user: String; var token: String; var validDays: Int }
        try? printJSON(Out(user: user, token: token.text, validDays: days))
    } else {
        print(token.text)
        printError("This is \(user)'s API token, valid \(days) days. It is shown once: hand it over securely; they run `casebridge login`.")
    }
}
