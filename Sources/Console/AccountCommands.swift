import APIClient
import ArgumentParser
import Foundation
import Models

/// `spendsense account …`: the ways into your account, linking and unlinking them.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "See, link and unlink your sign-in methods (password, phone, providers).",
        subcommands: [Methods.self, Link.self, LinkPhone.self, Unlink.self])

    static func print(_ methods: SignInMethods, json: Bool) throws {
        if json { return try printJSON(methods) }
        Swift.print("password   \(methods.password ? "yes (\(methods.email ?? ""))" : "no")")
        Swift.print("phone      \(methods.phone ?? "-")")
        Swift.print("providers  \(methods.oauth.isEmpty ? "-" : methods.oauth.map { $0.provider.displayName + ($0.email.map { " (\($0))" } ?? "") }.joined(separator: ", "))")
        Swift.print("authenticator \(methods.totpEnabled ? "on" : "off")")
    }

    static func report(_ result: LinkResult) {
        Swift.print("linked \(result.linked)")
        if let merged = result.merged {
            let moved = merged.moved.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            Swift.print("merged account \(merged.mergedUserID.uuidString.lowercased()) into yours: \(moved.isEmpty ? "nothing to move" : moved)")
        }
    }

    struct Methods: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List your sign-in methods.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let client = try await global.savedClient()
            try AccountCommand.print(try await cli { try await client.signInMethods() }, json: json)
        }
    }

    struct Link: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Link a provider: open the printed link in any browser. An account that already signs in with that identity is merged into yours.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "google, github, facebook or apple.") var provider: String

        func run() async throws {
            guard let id = OAuthProviderID(rawValue: provider.lowercased()) else { throw ValidationError("provider must be google, github, facebook or apple") }
            let client = try await global.savedClient()
            let start = try await cli { try await client.startLink(id) }
            AccountCommand.report(try await waitForBrowser(start, to: "link \(id.displayName)") { handle in try await cli { try await client.pollLink(handle) } })
        }
    }

    struct LinkPhone: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "link-phone", abstract: "Link a phone number: a code is texted to it; type it when asked.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The number with its country code, e.g. +15551234567.") var phone: String

        func run() async throws {
            let client = try await global.savedClient()
            let sent = try await cli { try await client.requestPhoneCode(phone) }
            FileHandle.standardError.write(Data("Code texted to \(sent.phone): ".utf8))
            guard let code = readLine(strippingNewline: true), !code.isEmpty else { throw ValidationError("no code entered") }
            AccountCommand.report(try await cli { try await client.linkPhone(sent.phone, code: code) })
        }
    }

    struct Unlink: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unlink a provider, or `phone` (never your last way in).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "google, github, facebook, apple or phone.") var method: String

        func run() async throws {
            let client = try await global.savedClient()
            if method.lowercased() == "phone" {
                try AccountCommand.print(try await cli { try await client.unlinkPhone() }, json: false)
            } else if let id = OAuthProviderID(rawValue: method.lowercased()) {
                try AccountCommand.print(try await cli { try await client.unlink(id) }, json: false)
            } else {
                throw ValidationError("unlink google, github, facebook, apple or phone")
            }
        }
    }
}

/// `spendsense password forgot|reset`.
struct PasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "password", abstract: "Reset a forgotten password with an emailed token.", subcommands: [Forgot.self, Reset.self])

    struct Forgot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Email a reset token (works once, for 30 minutes).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The account's email.") var email: String

        func run() async throws {
            let (_, url) = try global.serverURL()
            print(try await cli { try await APIClient(baseURL: url).forgotPassword(email: email) }.message)
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a new password with the emailed token; every session of the account ends.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The token from the email.") var token: String
        @Flag(help: "Read the new password from standard input.") var passwordStdin = false

        func run() async throws {
            guard passwordStdin else { throw ValidationError("pass --password-stdin and pipe the new password in") }
            guard let password = readLine(strippingNewline: true), !password.isEmpty else { throw ValidationError("no password on standard input") }
            let (_, url) = try global.serverURL()
            print(try await cli { try await APIClient(baseURL: url).resetPassword(token: token, password: password) }.message)
        }
    }
}
