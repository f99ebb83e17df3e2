import Models

/// Terms of a partner offer that decide who may see it.
public struct OfferTerms: Sendable {
    /// Product category; categories on the harmful-product blocklist are never offered.
    public var category: String
    public var minimumMonthlyIncome: Double
    public var minimumCreditBand: CreditBand?
    /// Not offered to someone who already has one of these account subtypes.
    public var excludedIfHas: Set<AccountSubtype>

    public init(category: String, minimumMonthlyIncome: Double = 0, minimumCreditBand: CreditBand? = nil, excludedIfHas: Set<AccountSubtype> = []) {
        self.category = category
        self.minimumMonthlyIncome = minimumMonthlyIncome
        self.minimumCreditBand = minimumCreditBand
        self.excludedIfHas = excludedIfHas
    }
}

/// One piece of content the engine can recommend. `rationale` returns nil when the user's data lacks the
/// numbers it cites, so an item is never shown with a vague reason.
public struct CatalogItem: Sendable {
    public var id: String
    public var type: RecommendationType
    public var title: String
    public var content: String
    /// Personas the item is written for; `.general` items suit anyone.
    public var personas: Set<PersonaID>
    /// Short description of when the item applies (recorded in the trace).
    public var relevance: String
    var applies: @Sendable (Facts) -> Bool
    var rationale: @Sendable (Facts) -> (text: String, signals: [String: String])?
    public var offer: OfferTerms?
}

/// Harmful products: never offered, whatever a catalog says.
public let blockedProductCategories: Set<String> = [
    "payday_loan", "title_loan", "rent_to_own", "cash_advance", "pawn_loan", "buy_now_pay_later_high_fee", "installment_loan_high_apr",
]

public let standardDisclaimer =
    "This is educational content, not financial advice. Consult a licensed advisor for personalized guidance."

/// The catalog written for SpendSense: 26 education items and 8 partner offers.
public enum Catalog {
    public static var standard: [CatalogItem] { education + offers }

    static func item(
        _ id: String, _ title: String, _ personas: Set<PersonaID>, when relevance: String, _ content: String,
        applies: @escaping @Sendable (Facts) -> Bool, rationale: @escaping @Sendable (Facts) -> (text: String, signals: [String: String])?
    ) -> CatalogItem {
        CatalogItem(id: id, type: .education, title: title, content: content, personas: personas, relevance: relevance, applies: applies, rationale: rationale)
    }

    static func offer(
        _ id: String, _ title: String, _ personas: Set<PersonaID>, terms: OfferTerms, when relevance: String, _ content: String,
        applies: @escaping @Sendable (Facts) -> Bool = { _ in true },
        rationale: @escaping @Sendable (Facts) -> (text: String, signals: [String: String])?
    ) -> CatalogItem {
        CatalogItem(id: id, type: .partnerOffer, title: title, content: content, personas: personas, relevance: relevance, applies: applies, rationale: rationale, offer: terms)
    }

    // MARK: - Education

    static let education: [CatalogItem] = [
        // High Utilization
        item("edu_utilization_basics", "How credit utilization shapes your score", [.highUtilization, .savingsBuilder],
             when: "a card at or above 30% of its limit",
             "Utilization is the share of your credit limit you are using. Scoring models look at it per card and overall; under 30% is generally seen as healthy and under 10% as excellent. Paying down the card with the highest percentage first usually moves the number most.",
             applies: { ($0.worstCard?.utilization ?? 0) >= 0.3 },
             rationale: { f in
                 guard let card = f.worstCard, let utilization = card.utilization, let limit = card.limit else { return nil }
                 return ("Your \(card.label) is at \(percent(utilization)) utilization (\(money(card.balance)) of a \(money(limit)) limit). Bringing it under 30% would mean a balance below \(money(limit * 0.3)).",
                         ["card": card.label, "utilization": percent(utilization), "balance": money(card.balance), "limit": money(limit)])
             }),
        item("edu_payoff_order", "Avalanche or snowball: choosing a payoff order", [.highUtilization],
             when: "a card balance that costs interest or sits at 50% or more",
             "The avalanche method pays extra on the highest-APR balance first and saves the most interest. The snowball method clears the smallest balance first for a quick win. Either works when you keep paying every minimum on time and put any extra toward one target.",
             applies: { f in f.credit.cards.contains { $0.interestCharged > 0 || ($0.utilization ?? 0) >= 0.5 } },
             rationale: { f in
                 let cards = f.credit.cards.filter { $0.balance > 0 }
                 guard let top = cards.max(by: { ($0.apr ?? 0) < ($1.apr ?? 0) }) else { return nil }
                 let total = cards.reduce(0) { $0 + $1.balance }
                 let apr = top.apr.map { " at \(number($0))% APR" } ?? ""
                 return ("You carry \(money(total)) across \(cards.count) card\(cards.count == 1 ? "" : "s"); the \(top.label)\(apr) holds \(money(top.balance)).",
                         ["card_balances_total": money(total), "card_count": String(cards.count), "highest_apr_card": top.label])
             }),
        item("edu_interest_cost", "What card interest really costs", [.highUtilization],
             when: "interest charged in the last 180 days",
             "Card interest compounds daily on the balance you carry past the due date. Paying the statement balance in full each month avoids it entirely; paying more than the minimum shrinks it month by month.",
             applies: { $0.credit.totalInterestCharged > 0 },
             rationale: { f in
                 guard let card = f.cardWithInterest else { return nil }
                 let yearly = f.credit.totalInterestCharged * 365 / Double(f.long.days)
                 return ("You paid \(money(f.credit.totalInterestCharged)) in card interest over the last 180 days, mostly on your \(card.label). At that pace it adds up to about \(money(yearly)) a year.",
                         ["interest_180d": money(f.credit.totalInterestCharged), "card": card.label])
             }),
        item("edu_minimum_payment", "Why minimum payments stretch debt out", [.highUtilization],
             when: "the last card payment was at or near the minimum",
             "Minimum payments are set to cover interest plus a sliver of the balance, so a balance paid only at the minimum can take years to clear. Adding even a fixed extra amount each month shortens that sharply.",
             applies: { $0.credit.anyMinimumPaymentOnly },
             rationale: { f in
                 guard let card = f.credit.cards.first(where: \.minimumPaymentOnly), let liability = f.liability(for: card),
                       let paid = liability.lastPaymentAmount, let minimum = liability.minimumPaymentAmount, let statement = liability.lastStatementBalance
                 else { return nil }
                 return ("Your last payment on the \(card.label) was \(money(paid)), against a \(money(minimum)) minimum on a \(money(statement)) statement balance.",
                         ["card": card.label, "last_payment": money(paid), "minimum_payment": money(minimum), "statement_balance": money(statement)])
             }),
        item("edu_overdue_recovery", "Getting back on track after a missed payment", [.highUtilization],
             when: "a card marked overdue",
             "A payment more than 30 days late can be reported to the credit bureaus. Paying at least the minimum now, then calling the issuer to ask about waiving the late fee, often helps; many issuers also offer hardship programs.",
             applies: { $0.credit.anyOverdue },
             rationale: { f in
                 guard let card = f.credit.cards.first(where: \.isOverdue) else { return nil }
                 let due = f.liability(for: card)?.minimumPaymentAmount.map { " The minimum due is \(money($0))." } ?? ""
                 return ("Your \(card.label) is marked overdue with a \(money(card.balance)) balance.\(due)", ["card": card.label, "balance": money(card.balance), "overdue": "true"])
             }),
        item("edu_autopay", "Let autopay guard your due dates", [.highUtilization, .cashFlowStretched],
             when: "at least one credit card",
             "Autopay for at least the minimum means a busy week never turns into a late fee. Many people set autopay for the minimum and make a second, larger payment by hand once the paycheck lands.",
             applies: { !$0.credit.cards.isEmpty },
             rationale: { f in
                 guard let card = f.worstCard ?? f.credit.cards.first else { return nil }
                 if let due = f.liability(for: card)?.nextPaymentDueDate {
                     return ("Your \(card.label) has a \(money(card.balance)) balance with the next payment due \(due).", ["card": card.label, "balance": money(card.balance), "next_due": due.description])
                 }
                 return ("Your \(card.label) carries a \(money(card.balance)) balance.", ["card": card.label, "balance": money(card.balance)])
             }),
        // Variable Income Budgeter
        item("edu_irregular_budget", "Budgeting when paychecks vary", [.variableIncome],
             when: "more than 30 days between paychecks on average",
             "With uneven income, budget from what you can count on rather than from your best month: cover fixed bills from a baseline amount and treat anything above it as a bonus for savings or debt.",
             applies: { ($0.income.medianPayGapDays ?? 0) > 30 },
             rationale: { f in
                 guard let gap = f.income.medianPayGapDays else { return nil }
                 return ("Your income arrived about every \(number(gap)) days over the last 180 days, averaging \(money(f.income.monthlyIncome)) a month.",
                         ["median_pay_gap_days": number(gap), "monthly_income": money(f.income.monthlyIncome)])
             }),
        item("edu_baseline_month", "Plan from your leanest month", [.variableIncome, .cashFlowStretched],
             when: "income and spending both present",
             "Look back over several months, find the lowest-income month, and build the essentials budget to fit inside it. When a bigger month comes, the extra goes to a buffer instead of new spending.",
             applies: { $0.income.totalIncome > 0 && $0.long.totalSpend > 0 },
             rationale: { f in
                 ("Over the last 180 days you averaged \(money(f.income.monthlyIncome)) a month in income and \(money(f.income.monthlyExpenses)) a month in spending.",
                  ["monthly_income": money(f.income.monthlyIncome), "monthly_expenses": money(f.income.monthlyExpenses)])
             }),
        item("edu_pay_yourself", "Pay yourself a steady salary from a holding account", [.variableIncome],
             when: "a cash buffer under two months",
             "Deposit every payment into one holding account and move a fixed amount to checking each month. The holding account smooths out the gaps so bills never depend on when a client pays.",
             applies: { $0.income.cashBufferMonths < 2 },
             rationale: { f in
                 ("Your checking balance of \(money(f.liquidBalance)) covers about \(number(f.income.cashBufferMonths)) months of your \(money(f.income.monthlyExpenses)) monthly spending.",
                  ["cash_buffer_months": number(f.income.cashBufferMonths), "liquid_balance": money(f.liquidBalance)])
             }),
        item("edu_tax_set_aside", "Setting money aside for taxes on irregular income", [.variableIncome],
             when: "income that is not regular wages",
             "Income without withholding still owes tax. Moving a fixed share of each payment, often 25 to 30 percent, into a separate account keeps quarterly estimated payments from becoming a surprise.",
             applies: { f in f.income.frequency == .irregular || f.income.frequency == .unknown || (f.income.medianPayGapDays ?? 0) > 35 },
             rationale: { f in
                 guard f.income.totalIncome > 0 else { return nil }
                 return ("You received \(money(f.income.totalIncome)) over the last 180 days in \(f.income.payrollDeposits) deposits; 25% of that would be \(money(f.income.totalIncome * 0.25)).",
                         ["income_180d": money(f.income.totalIncome), "deposits": String(f.income.payrollDeposits)])
             }),
        item("edu_buffer_target", "How big should your cash buffer be?", [.variableIncome, .cashFlowStretched, .general],
             when: "a cash buffer under three months",
             "A common target is one month of essential spending in checking and three to six months in savings. With variable pay, aiming for the higher end gives room for slow months.",
             applies: { $0.income.cashBufferMonths < 3 && $0.income.monthlyExpenses > 0 },
             rationale: { f in
                 ("You spend about \(money(f.income.monthlyExpenses)) a month; one month of buffer is that amount, and your checking holds \(money(f.liquidBalance)) today.",
                  ["monthly_expenses": money(f.income.monthlyExpenses), "liquid_balance": money(f.liquidBalance)])
             }),
        // Stretched Cash Flow
        item("edu_spending_gap", "Find the gap between earning and spending", [.cashFlowStretched],
             when: "spending at 90% of income or more",
             "When nearly every dollar in goes straight back out, a small cut in the biggest flexible category creates breathing room faster than many small cuts. Start by listing the top three categories of the last month.",
             applies: { ($0.long.spendToIncome ?? 0) >= 0.9 },
             rationale: { f in
                 guard let ratio = f.long.spendToIncome else { return nil }
                 return ("Over the last 180 days your spending was \(percent(ratio)) of your income: \(money(f.long.totalSpend)) out against \(money(f.income.totalIncome)) in.",
                         ["spend_to_income": percent(ratio), "spend_180d": money(f.long.totalSpend), "income_180d": money(f.income.totalIncome)])
             }),
        item("edu_starter_fund", "A $500 starter emergency fund", [.cashFlowStretched, .variableIncome],
             when: "a cash buffer under half a month",
             "A first small goal, such as $500 kept apart from checking, covers the most common surprise costs (a car repair, a co-pay) without reaching for a card. Small automatic transfers on payday get there steadily.",
             applies: { $0.income.cashBufferMonths < 0.5 },
             rationale: { f in
                 ("Your checking balance is \(money(f.liquidBalance)), about \(number(f.income.cashBufferMonths)) months of spending.",
                  ["liquid_balance": money(f.liquidBalance), "cash_buffer_months": number(f.income.cashBufferMonths)])
             }),
        item("edu_bill_calendar", "Line up bills with paydays", [.cashFlowStretched, .variableIncome],
             when: "a detected pay rhythm",
             "Most billers let you move a due date. Placing big bills a few days after payday, and spreading them across pay periods, keeps the account from running thin right before the next deposit.",
             applies: { $0.income.payrollDeposits >= 2 },
             rationale: { f in
                 guard let gap = f.income.medianPayGapDays else { return nil }
                 return ("You are paid \(f.income.frequency.rawValue) (about every \(number(gap)) days), \(f.income.payrollDeposits) deposits in the last 180 days.",
                         ["pay_frequency": f.income.frequency.rawValue, "median_pay_gap_days": number(gap)])
             }),
        item("edu_fixed_costs", "Trim fixed costs first", [.cashFlowStretched, .subscriptionHeavy],
             when: "monthly spending present",
             "Fixed costs (phone plans, insurance, memberships) repeat every month, so one call to renegotiate or switch saves again and again. Compare one bill a week until each has been checked.",
             applies: { $0.income.monthlyExpenses > 0 },
             rationale: { f in
                 ("You spent \(money(f.recent.totalSpend)) in the last 30 days and about \(money(f.income.monthlyExpenses)) a month over 180 days.",
                  ["spend_30d": money(f.recent.totalSpend), "monthly_expenses": money(f.income.monthlyExpenses)])
             }),
        // Subscription-Heavy
        item("edu_subscription_audit", "The 15-minute subscription audit", [.subscriptionHeavy],
             when: "three or more recurring merchants",
             "List every recurring charge, mark the ones used in the last two weeks, and cancel or pause the rest. Services are easy to rejoin later, often with a returning-member discount.",
             applies: { $0.subscriptions.count >= 3 },
             rationale: { f in
                 let names = f.subscriptions.recurringMerchants.prefix(3).map(\.merchant).joined(separator: ", ")
                 return ("You have \(f.subscriptions.count) recurring charges totalling \(money(f.subscriptions.monthlyRecurringSpend)) a month, including \(names).",
                         ["recurring_merchants": String(f.subscriptions.count), "monthly_recurring": money(f.subscriptions.monthlyRecurringSpend)])
             }),
        item("edu_annual_plans", "Annual plans versus monthly billing", [.subscriptionHeavy],
             when: "a monthly subscription you keep",
             "For services you use all year, annual billing is often 15 to 20 percent cheaper. For anything you might drop, monthly billing keeps the exit open.",
             applies: { $0.subscriptions.recurringMerchants.contains { $0.cadence == .monthly } },
             rationale: { f in
                 guard let top = f.subscriptions.recurringMerchants.first(where: { $0.cadence == .monthly }) else { return nil }
                 return ("\(top.merchant) charges you \(money(top.typicalAmount)) a month, \(money(top.typicalAmount * 12)) a year.",
                         ["merchant": top.merchant, "monthly_amount": money(top.typicalAmount)])
             }),
        item("edu_free_trials", "Keep free trials from turning into charges", [.subscriptionHeavy],
             when: "recurring charges present",
             "Set a reminder two days before any trial ends, or use a card-issuer feature that blocks merchants after a trial. A trial that converts quietly is how many subscriptions begin.",
             applies: { $0.subscriptions.count >= 1 },
             rationale: { f in
                 ("\(f.subscriptions.count) merchants billed you on a regular schedule in the last \(f.subscriptions.lookbackDays) days.",
                  ["recurring_merchants": String(f.subscriptions.count)])
             }),
        item("edu_subscription_year", "What your subscriptions add up to in a year", [.subscriptionHeavy],
             when: "recurring spend of $50 a month or 10% of spending",
             "Monthly amounts look small; the yearly total is the number to compare against goals such as an emergency fund or a trip.",
             applies: { $0.subscriptions.monthlyRecurringSpend >= 50 || $0.subscriptions.shareOfSpend >= 0.1 },
             rationale: { f in
                 ("Recurring charges come to \(money(f.subscriptions.monthlyRecurringSpend)) a month, \(money(f.subscriptions.monthlyRecurringSpend * 12)) a year, and \(percent(f.subscriptions.shareOfSpend)) of your spending.",
                  ["monthly_recurring": money(f.subscriptions.monthlyRecurringSpend), "share_of_spend": percent(f.subscriptions.shareOfSpend)])
             }),
        // Savings Builder
        item("edu_high_yield", "Make your savings earn more", [.savingsBuilder],
             when: "a savings balance",
             "High-yield savings and money market accounts at insured banks and credit unions often pay several times the rate of a standard savings account, with the same deposit insurance.",
             applies: { $0.savings.savingsBalance > 0 },
             rationale: { f in
                 ("You hold \(money(f.savings.savingsBalance)) in savings; at a 4% yield that would earn about \(money(f.savings.savingsBalance * 0.04)) a year.",
                  ["savings_balance": money(f.savings.savingsBalance)])
             }),
        item("edu_emergency_goal", "Set your emergency fund goal", [.savingsBuilder, .general],
             when: "monthly spending and a savings balance",
             "Three to six months of essential spending is the usual emergency-fund range. Knowing your own number turns saving from 'more' into a finish line.",
             applies: { $0.savings.monthlyExpenses > 0 },
             rationale: { f in
                 ("Your savings cover about \(number(f.savings.emergencyFundMonths)) months of your \(money(f.savings.monthlyExpenses)) monthly spending; three months would be \(money(f.savings.monthlyExpenses * 3)).",
                  ["emergency_fund_months": number(f.savings.emergencyFundMonths), "monthly_expenses": money(f.savings.monthlyExpenses)])
             }),
        item("edu_automate_savings", "Automate what already works", [.savingsBuilder],
             when: "money moving into savings",
             "You are already moving money into savings. Scheduling that transfer for payday makes it the default, and raising it by a small amount after each raise keeps it growing without a new decision.",
             applies: { $0.savings.monthlyNetInflow > 0 },
             rationale: { f in
                 ("Over the last 180 days you added \(money(f.savings.netInflow)) to savings, about \(money(f.savings.monthlyNetInflow)) a month.",
                  ["savings_net_inflow_180d": money(f.savings.netInflow), "monthly_net_inflow": money(f.savings.monthlyNetInflow)])
             }),
        item("edu_next_goals", "After the emergency fund: next goals", [.savingsBuilder],
             when: "savings growing by 2% or more",
             "Once the emergency fund is in place, common next steps are capturing any employer retirement match, then a sinking fund for known large costs, then longer-term investing.",
             applies: { $0.savings.growthRate >= 0.02 },
             rationale: { f in
                 ("Your savings grew \(percent(f.savings.growthRate)) over the last 180 days to \(money(f.savings.savingsBalance)).",
                  ["savings_growth": percent(f.savings.growthRate), "savings_balance": money(f.savings.savingsBalance)])
             }),
        // General
        item("edu_50_30_20", "The 50/30/20 starting budget", [.general, .cashFlowStretched],
             when: "monthly income present",
             "A simple starting split: about half of take-home pay for needs, 30 percent for wants and 20 percent for savings and debt payoff. Treat it as a first sketch to adjust, not a rule.",
             applies: { $0.income.monthlyIncome > 0 },
             rationale: { f in
                 let income = f.income.monthlyIncome
                 return ("With about \(money(income)) a month coming in, 20% for savings and debt would be \(money(income * 0.2)).",
                         ["monthly_income": money(income)])
             }),
        item("edu_credit_report", "Check your credit reports for free", [.general, .highUtilization],
             when: "always",
             "Each of the three bureaus offers free reports through the official annual credit report site. Checking them once or twice a year catches errors and accounts you do not recognize.",
             applies: { _ in true },
             rationale: { f in
                 let cards = f.credit.cards.count
                 return ("Your upload shows \(f.data.accounts.count) accounts, \(cards) of them credit card\(cards == 1 ? "" : "s"); a report lists every account lenders see.",
                         ["accounts": String(f.data.accounts.count), "credit_cards": String(cards)])
             }),
        item("edu_spending_review", "Review where last month's money went", [.general, .subscriptionHeavy, .cashFlowStretched],
             when: "spending in the last 30 days",
             "A short monthly review (top categories, anything unexpected, one change for next month) often does more than a detailed budget that sits unopened.",
             applies: { $0.recent.totalSpend > 0 },
             rationale: { f in
                 ("You spent \(money(f.recent.totalSpend)) in the 30 days to \(f.report.asOf).", ["spend_30d": money(f.recent.totalSpend), "as_of": f.report.asOf.description])
             }),
    ]

    // MARK: - Partner offers

    static let offers: [CatalogItem] = [
        offer("offer_credit_counseling", "Free session with a nonprofit credit counselor", [.highUtilization, .cashFlowStretched, .variableIncome],
              terms: OfferTerms(category: "credit_counseling"), when: "anyone carrying card balances or a thin buffer",
              "Certified counselors at nonprofit agencies review your budget and debts with you at no cost and can explain options such as a debt management plan.",
              rationale: { f in
                  if let card = f.worstCard, let utilization = card.utilization {
                      return ("Your highest card utilization is \(percent(utilization)) on the \(card.label).", ["card": card.label, "utilization": percent(utilization)])
                  }
                  return ("Your cash buffer is about \(number(f.income.cashBufferMonths)) months of spending.", ["cash_buffer_months": number(f.income.cashBufferMonths)])
              }),
        offer("offer_balance_transfer", "0% intro APR balance-transfer card", [.highUtilization],
              terms: OfferTerms(category: "balance_transfer_card", minimumMonthlyIncome: 2500, minimumCreditBand: .good),
              when: "a card balance accruing interest",
              "A balance-transfer card can pause interest for an introductory period (often 12 to 18 months) so payments go to the balance. Watch for the transfer fee and the rate after the intro period.",
              applies: { $0.credit.cards.contains { $0.balance > 0 } },
              rationale: { f in
                  guard let card = f.cardWithInterest ?? f.worstCard, let apr = card.apr else { return nil }
                  return ("Your \(card.label) carries \(money(card.balance)) at \(number(apr))% APR.", ["card": card.label, "balance": money(card.balance), "apr": "\(number(apr))%"])
              }),
        offer("offer_budgeting_app", "A year of a budgeting app, free", [.general, .variableIncome, .cashFlowStretched, .subscriptionHeavy],
              terms: OfferTerms(category: "budgeting_tool"), when: "anyone",
              "Our partner's budgeting app groups spending automatically and can plan around uneven paychecks. The first year is free for SpendSense users.",
              rationale: { f in
                  ("You spent \(money(f.recent.totalSpend)) over the last 30 days across \(f.data.accounts.count) accounts.", ["spend_30d": money(f.recent.totalSpend)])
              }),
        offer("offer_subscription_manager", "Subscription tracker with one-tap cancel", [.subscriptionHeavy],
              terms: OfferTerms(category: "subscription_tool"), when: "three or more recurring merchants",
              "A subscription tracker lists every recurring charge in one place, reminds you before renewals and can cancel on your behalf.",
              applies: { $0.subscriptions.count >= 3 },
              rationale: { f in
                  ("It would track your \(f.subscriptions.count) recurring charges (\(money(f.subscriptions.monthlyRecurringSpend)) a month).", ["recurring_merchants": String(f.subscriptions.count)])
              }),
        offer("offer_high_yield_savings", "High-yield savings account", [.savingsBuilder, .general],
              terms: OfferTerms(category: "savings_account", excludedIfHas: [.moneyMarket]),
              when: "money set aside or moving into savings",
              "An FDIC-insured high-yield savings account from our partner bank with no monthly fee and no minimum balance.",
              applies: { $0.savings.savingsBalance > 0 || $0.savings.monthlyNetInflow > 0 },
              rationale: { f in
                  ("You keep \(money(f.savings.savingsBalance)) in savings; a higher yield would put it to work.", ["savings_balance": money(f.savings.savingsBalance)])
              }),
        offer("offer_secured_card", "Secured card to build credit history", [.general, .variableIncome, .cashFlowStretched],
              terms: OfferTerms(category: "secured_card", minimumMonthlyIncome: 500, excludedIfHas: [.creditCard]),
              when: "no credit card yet",
              "A secured card uses a refundable deposit as its limit and reports to the credit bureaus, so on-time payments build history without the risk of a large limit.",
              rationale: { f in
                  ("Your upload has \(f.data.accounts.count) accounts and no credit card, so there is little card history to build on yet.", ["credit_cards": "0"])
              }),
        offer("offer_cashback_card", "No-annual-fee cash-back card", [.savingsBuilder, .general],
              terms: OfferTerms(category: "rewards_card", minimumMonthlyIncome: 3000, minimumCreditBand: .good),
              when: "cards kept at low utilization",
              "A flat-rate cash-back card with no annual fee, for people who already pay in full each month.",
              applies: { ($0.credit.maxUtilization ?? 1) < 0.3 && $0.credit.totalInterestCharged == 0 },
              rationale: { f in
                  guard let utilization = f.credit.maxUtilization else { return nil }
                  return ("Your cards stay at or below \(percent(utilization)) utilization with no interest charged in 180 days.", ["max_utilization": percent(utilization)])
              }),
        offer("offer_credit_union_checking", "Credit-union checking with early paycheck access", [.variableIncome, .cashFlowStretched],
              terms: OfferTerms(category: "checking_account", minimumMonthlyIncome: 1000),
              when: "income present and a thin buffer",
              "A no-fee credit-union checking account that releases direct deposits up to two days early and has no overdraft fees.",
              applies: { $0.income.totalIncome > 0 },
              rationale: { f in
                  ("Your checking holds \(money(f.liquidBalance)) against \(money(f.income.monthlyExpenses)) of monthly spending.", ["liquid_balance": money(f.liquidBalance)])
              }),
    ]
}
