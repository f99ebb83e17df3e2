import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to a live test server, for requests no HTTP client would send: bodies that end
/// early or never, bodies written whole before the answer is read. Its blocking calls run on a thread of
/// their own: the server under test shares the concurrency pool with the test, and a test blocking a pool
/// thread would stall the very server it waits for.
final class RawConnection: @unchecked Sendable {
    private let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawError("socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw RawError("connect")
        }
    }

    deinit { close(fd) }

    /// Writes all of `data`; false when the server closed the connection meanwhile.
    @discardableResult
    func send(_ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent <= 0 { return false }
                offset += sent
            }
            return true
        }
    }

    func send(_ text: String) { send(Data(text.utf8)) }

    /// `send` on a thread of its own.
    @discardableResult
    func sendOffPool(_ data: Data) async -> Bool {
        await Self.offPool { self.send(data) }
    }

    /// `readAll` on a thread of its own.
    func read(timeout: TimeInterval) async -> (text: String, closed: Bool) {
        await Self.offPool { self.readAll(timeout: timeout) }
    }

    /// True when `GET /health` on a new connection answers 200.
    static func health(port: Int) async throws -> Bool {
        let connection = try RawConnection(port: port)
        connection.send("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        return await connection.read(timeout: 10).text.hasPrefix("HTTP/1.1 200")
    }

    private static func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: body()) }
        }
    }

    /// Ends our side (the server sees the end of the stream).
    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads until the server closes the connection or `timeout` passes; `closed` tells which.
    func readAll(timeout: TimeInterval) -> (text: String, closed: Bool) {
        var received = Data()
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while Date() < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(max(1, deadline.timeIntervalSinceNow * 1000)))
            if ready <= 0 { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return (String(decoding: received, as: UTF8.self), true) }
            received.append(contentsOf: buffer[0..<count])
        }
        return (String(decoding: received, as: UTF8.self), false)
    }
}

struct RawError: Error {
    var what: String
    init(_ what: String) { self.what = what }
}
