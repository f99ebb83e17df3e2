import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The proxies whose `X-Forwarded-For` we believe (`TRUSTED_PROXIES`: addresses and CIDRs, IPv4 or IPv6).
/// Proxies append the address they received the request from (nginx's `$proxy_add_x_forwarded_for`, an ALB),
/// so the client is the right-most address that is not one of ours: whatever a client writes into the header
/// itself stands to the left of it and is never taken. A request that does not come from a trusted proxy
/// keeps its peer address, whatever it says.
public struct TrustedProxies: Sendable, Equatable {
    struct Network: Sendable, Equatable {
        var bytes: [UInt8]
        var prefix: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var remaining = prefix
            for index in bytes.indices where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                if address[index] & mask != bytes[index] & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    let networks: [Network]

    public static let none = TrustedProxies(networks: [])

    init(networks: [Network]) { self.networks = networks }

    /// Parses `10.0.0.0/8, 127.0.0.1, ::1, fd00::/8`; nil names the first entry that is not an address or CIDR.
    public static func parse(_ text: String) -> Result<TrustedProxies, ConfigurationError> {
        var networks: [Network] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            guard let bytes = address(parts[0]) else { return .failure(ConfigurationError("TRUSTED_PROXIES: '\(entry)' is not an address or CIDR")) }
            let bits = bytes.count * 8
            var prefix = bits
            if parts.count == 2 {
                guard let value = Int(parts[1]), (0...bits).contains(value) else {
                    return .failure(ConfigurationError("TRUSTED_PROXIES: '\(entry)' has a bad prefix length"))
                }
                prefix = value
            }
            networks.append(Network(bytes: bytes, prefix: prefix))
        }
        return .success(TrustedProxies(networks: networks))
    }

    /// The 4 or 16 bytes of an IPv4 or IPv6 address (an IPv4-mapped IPv6 address reads as IPv4).
    static func address(_ text: String) -> [UInt8]? {
        let trimmed = text.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
        var v4 = in_addr()
        if inet_pton(AF_INET, trimmed, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, trimmed, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
            return bytes
        }
        return nil
    }

    func trusts(_ text: String) -> Bool {
        guard let bytes = Self.address(text) else { return false }
        return networks.contains { $0.contains(bytes) }
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy; then the right-most
    /// `X-Forwarded-For` entry that is not a trusted proxy (the left-most when all are).
    public func clientAddress(peer: String?, forwardedFor: [String]) -> String? {
        guard let peer, !networks.isEmpty, trusts(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !hops.isEmpty else { return peer }
        for hop in hops.reversed() where !trusts(hop) {
            return Self.address(hop) == nil ? peer : hop
        }
        return hops.first
    }
}
