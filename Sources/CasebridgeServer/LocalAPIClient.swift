import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1

/// A failed local API call: the HTTP status (0 when the node could not be reached) and the JSON error it sent.
public struct LocalAPIError: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String

    public var description: String { status == 0 ? message : "\(message) (\(status) \(code))" }
}

/// Talks to a node's local API with a user's bearer token (the investigator CLI).
public struct LocalAPIClient: Sendable {
    public var baseURL: String
    public var token: String?
    public var timeoutSeconds: Int64 = 30

    public init(baseURL: String, token: String?) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
    }

    /// Sends a request and returns the body of a 2xx answer; any other answer throws `LocalAPIError`.
    public func send(_ method: String, _ path: String, json: Data? = nil) async throws -> Data {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = HTTPMethod(rawValue: method)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.headers.add(name: "Accept", value: "application/json")
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json))
        }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeoutSeconds))
        } catch {
            throw LocalAPIError(status: 0, code: "unreachable", message: "cannot reach the node's local API at \(baseURL) (is `casebridge serve` running?)")
        }
        let body = try await response.body.collect(upTo: 256 << 20)
        let data = Data(body.readableBytesView)
        guard (200..<300).contains(Int(response.status.code)) else {
            struct E: Decodable { struct I: Decodable { var code: String; var message: String }; var error: I }
            if let e = try? JSONDecoder().decode(E.self, from: data) {
                throw LocalAPIError(status: Int(response.status.code), code: e.error.code, message: e.error.message)
            }
            throw LocalAPIError(status: Int(response.status.code), code: "http", message: "the node answered \(response.status.code)")
        }
        return data
    }

    /// Sends a request and decodes the JSON answer.
    public func call<T: Decodable>(_ method: String, _ path: String, body: (some Encodable)? = nil as String?, as type: T.Type) async throws -> T {
        let json = try body.map { try JSONEncoder().encode($0) }
        let data = try await send(method, path, json: json)
        return try JSONDecoder().decode(T.self, from: data)
    }
}
