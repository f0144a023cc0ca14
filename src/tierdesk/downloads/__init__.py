"""Download centre: products' versions, releases and their files, entitlement by subscription."""
