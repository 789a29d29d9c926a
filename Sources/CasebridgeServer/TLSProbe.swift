import CasebridgeTrust
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// One TLS handshake to learn which certificate a peer presents, then close.
enum TLSProbe {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Connects to `endpoint` (https://host:port), completes a TLS handshake with `tls` and returns the peer's leaf
    /// certificate.
    static func peerCertificate(endpoint: String, tls: TLSConfiguration, timeout: TimeAmount) async throws -> CertificateInfo {
        guard let url = URL(string: endpoint), url.scheme == "https", var host = url.host, !host.isEmpty else {
            throw Failure(description: "\(endpoint) is not an https:// endpoint")
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = url.port ?? 443
        let context = try NIOSSLContext(configuration: tls)
        let isAddress = (try? SocketAddress(ipAddress: host, port: port)) != nil
        let serverName: String? = isAddress ? nil : host
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let handshake = loop.makePromise(of: Void.self)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                    try channel.pipeline.syncOperations.addHandler(HandshakeWaiter(promise: handshake))
                }
            }
        let timer = loop.scheduleTask(in: timeout) { handshake.fail(Failure(description: "TLS handshake with \(endpoint) timed out")) }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            timer.cancel()
            handshake.fail(error)
            throw error
        }
        do {
            try await handshake.futureResult.get()
            timer.cancel()
            guard let certificate = try await channel.nioSSL_peerCertificate().get() else {
                throw Failure(description: "\(endpoint) presented no certificate")
            }
            let info = try CertificateInfo.parse(der: try certificate.toDERBytes())
            try? await channel.close()
            return info
        } catch {
            timer.cancel()
            try? await channel.close()
            throw error
        }
    }

    /// Completes `promise` when the TLS handshake completes or the connection fails.
    final class HandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        let promise: EventLoopPromise<Void>

        init(promise: EventLoopPromise<Void>) {
            self.promise = promise
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
                promise.succeed(())
            }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(Failure(description: "the connection closed during the TLS handshake"))
            context.fireChannelInactive()
        }
    }
}
