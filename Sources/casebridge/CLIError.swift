import ArgumentParser
import CasebridgeServer
import CasebridgeTrust
import CasebridgeCore
import CasebridgeCrypto
import CasebridgeNode
import CasebridgeStore
import Foundation

/// Exit codes (sysexits.h), documented in `casebridge --help`.
enum Exit {
    static let ok: Int32 = 0
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let unavailable: Int32 = 69
    static let software: Int32 = 70
    static let cantCreate: Int32 = 73
    static let tempFail: Int32 = 75
    static let noPermission: Int32 = 77
    static let config: Int32 = 78
}

/// A failure with a message for people and a meaningful exit code.
struct CLIError: Error, CustomStringConvertible {
    var message: String
    var code: Int32
    var description: String { message }
}

/// Prints to standard error.
func printError(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

/// Runs a command body, turning known errors into a message on stderr and an exit code.
func runReportingErrors(format: OutputFormat = .text, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let e as ExitCode {
        throw e
    } catch let e as ValidationError {
        throw e
    } catch {
        let (message, code) = describe(error)
        if format == .json {
            let obj: [String: Any] = ["error": message, "exitCode": Int(code)]
            if let data = try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]) {
                printError(String(decoding: data, as: UTF8.self))
            }
        } else {
            printError("error: \(message)")
        }
        throw ExitCode(code)
    }
}

func describe(_ error: any Error) -> (String, Int32) {
    switch error {
    case let e as CLIError: return (e.message, e.code)
    case let e as ConfigError: return (e.description, Exit.config)
    case let e as CryptoError:
        switch e.code {
        case "keyfile.permissions": return (e.reason, Exit.noPermission)
        case "keyfile.exists": return (e.reason, Exit.cantCreate)
        default: return (e.reason, Exit.config)
        }
    case let e as PostgresError: return (e.description, e.isUnavailable ? Exit.unavailable : Exit.software)
    case let e as StoreError: return (e.reason, e.code.hasPrefix("schema") ? Exit.config : Exit.software)
    case let e as NormalizationError: return (e.reason, Exit.dataError)
    case let e as SearchInputError: return (e.description, Exit.dataError)
    case let e as CaseDeleter.Refused: return (e.reason, Exit.dataError)
    case let e as ImportRejected: return (e.description, Exit.dataError)
    case let e as TrustError:
        switch e.code {
        case .insecureKeyFile: return (e.description, Exit.noPermission)
        case .fileExists: return (e.description, Exit.cantCreate)
        case .fileIO: return (e.description, Exit.noInput)
        default: return (e.description, Exit.dataError)
        }
    case let e as ServerError: return (e.reason, e.code == "keyfile.permissions" ? Exit.noPermission : Exit.config)
    case let e as PeerError: return (e.description, Exit.unavailable)
    case let e as LocalAPIError:
        switch e.status {
        case 0, 500...: return (e.description, Exit.unavailable)
        case 401, 403: return (e.description, Exit.noPermission)
        case 404: return (e.description, Exit.noInput)
        default: return (e.description, Exit.dataError)
        }
    case let e as UserAccounts.Refused: return (e.reason, Exit.dataError)
    case let e as PublishRefused:
        switch e.code {
        case .fenced: return (e.reason, Exit.tempFail)
        case .key: return (e.reason, Exit.config)
        case .input: return (e.reason, Exit.dataError)
        }
    default: return ("\(error)", Exit.software)
    }
}
