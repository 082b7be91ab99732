"""Community ceremonies as pure rules: the fair SIG slot finder and the ML Sync agenda draft."""
